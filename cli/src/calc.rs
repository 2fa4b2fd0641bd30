//! `lab calc`: the calculator models from the `lessons` crate on the command line.

/// Runs `lab calc <model> …`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("lab calc is not available yet")
}
