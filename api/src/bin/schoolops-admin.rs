//! Database administration for operators and scripts: roles, database and
//! migrations (`setup`), migrations alone (`migrate`, the release step), and
//! dropping the test suite's databases. `schoolops-admin --help` lists them.

use clap::{Parser, Subcommand};
use shared::{config, db::admin};

/// schoolops-admin: roles, database and migrations of SchoolOps
#[derive(Parser)]
#[command(
    name = "schoolops-admin",
    after_help = "Role passwords come from SCHOOLOPS_OWNER_PASSWORD and SCHOOLOPS_APP_PASSWORD (dev defaults otherwise)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the roles and the database, apply migrations, print the
    /// `export DATABASE_URL=...` lines for the app
    Setup {
        /// A superuser's URL
        #[arg(long, env = "PG_ADMIN_URL", hide_env_values = true)]
        admin_url: String,
        /// The database to create or bring up to date
        #[arg(long, env = "SCHOOLOPS_DATABASE", default_value = "schoolops")]
        database: String,
    },
    /// Apply migrations as the owner role
    Migrate {
        /// The owner role's URL
        #[arg(long, env = "DATABASE_OWNER_URL", hide_env_values = true)]
        owner_url: String,
    },
    /// Drop the databases the test suite created
    DropTestDatabases {
        /// A superuser's URL
        #[arg(long, env = "PG_ADMIN_URL", hide_env_values = true)]
        admin_url: String,
    },
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    // .env first: its lines count as the environment the flags fall back to.
    config::load_dotenv();
    match Cli::parse().command {
        Command::Setup {
            admin_url,
            database,
        } => {
            let setup = admin::Setup {
                database,
                owner_password: env_or("SCHOOLOPS_OWNER_PASSWORD", admin::OWNER_ROLE),
                app_password: env_or("SCHOOLOPS_APP_PASSWORD", admin::APP_ROLE),
            };
            let urls = admin::setup(&admin_url, &setup).await?;
            eprintln!("database {} ready; migrations applied", setup.database);
            println!("export DATABASE_URL={}", shell_quote(&urls.app));
            println!("export DATABASE_OWNER_URL={}", shell_quote(&urls.owner));
        }
        Command::Migrate { owner_url } => {
            admin::migrate(&owner_url).await?;
            eprintln!("migrations applied");
        }
        Command::DropTestDatabases { admin_url } => {
            let dropped = admin::drop_test_databases(&admin_url).await?;
            eprintln!("dropped {dropped} test databases");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_flags_the_scripts_use_parse() {
        Cli::command().debug_assert();
        let setup = Cli::try_parse_from([
            "schoolops-admin",
            "setup",
            "--admin-url",
            "postgres://postgres@127.0.0.1/postgres",
            "--database",
            "schoolops_ci_fuzz",
        ])
        .unwrap();
        assert!(matches!(
            setup.command,
            Command::Setup { database, .. } if database == "schoolops_ci_fuzz"
        ));
        let drop = Cli::try_parse_from([
            "schoolops-admin",
            "drop-test-databases",
            "--admin-url",
            "postgres://postgres@127.0.0.1/postgres",
        ])
        .unwrap();
        assert!(matches!(drop.command, Command::DropTestDatabases { .. }));
    }
}
