//! Entry point of the browser bundle: mount the app, nothing else.

fn main() {
    app::mount();
}
