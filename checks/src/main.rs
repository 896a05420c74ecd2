use clap::Parser;
use rtnl_checks::cli::{run, Cli};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = Cli::parse();
    std::process::exit(run(cli, &args));
}
