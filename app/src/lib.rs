//! Roofline Lab's browser app.
