//! `lab adapters` and `lab bench`: kernels through the shared harness on a native adapter.

/// Runs `lab adapters`.
pub fn adapters(args: &[String]) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("lab adapters is being built")
}

/// Runs `lab bench …`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("lab bench is being built")
}
