use clap::Parser;
use rtnl_checks::cli::{run, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = Cli::parse();
    rtnl_checks::error::exit(run(cli, &args))
}
