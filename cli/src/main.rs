//! `lab`: Roofline Lab's native command line.
//!
//! `lab adapters` lists the GPUs wgpu can see, `lab bench` runs kernels through the same harness
//! the browser uses, and `lab calc` runs the calculator models. Errors are one line on stderr and a
//! non-zero exit; nothing a user types can make it panic.

mod args;
mod bench;
mod calc;

use std::process::ExitCode;

const USAGE: &str = "\
usage: lab <command> [flags]

commands:
  adapters                 list the GPU adapters wgpu can see
  bench --kernel <name>    run a kernel (see `lab bench --help`)
  calc <model> [flags]     run a calculator: roofline, iron-law, decode, kv-cache, speculative, zero
  help                     show this text";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = argv.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "adapters" => bench::adapters(rest),
        "bench" => bench::run(rest),
        "calc" => calc::run(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(anyhow::anyhow!(
            "unknown command '{other}'; allowed: adapters, bench, calc, help"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` keeps anyhow's context chain on one line, as the CLI promises.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
