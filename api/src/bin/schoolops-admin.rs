//! Database administration for operators and scripts:
//!   schoolops-admin setup --admin-url URL [--database NAME]
//!       create the roles and database, apply migrations, print the
//!       `export DATABASE_URL=...` lines for the app
//!   schoolops-admin migrate            apply migrations with DATABASE_OWNER_URL
//!   schoolops-admin drop-test-databases --admin-url URL

use anyhow::{Context, bail};
use shared::{config, db::admin};

const USAGE: &str = "usage:
  schoolops-admin setup [--admin-url URL] [--database NAME]
  schoolops-admin migrate
  schoolops-admin drop-test-databases [--admin-url URL]
The admin URL defaults to $PG_ADMIN_URL. Role passwords come from
SCHOOLOPS_OWNER_PASSWORD and SCHOOLOPS_APP_PASSWORD (dev defaults otherwise).";

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn admin_url(args: &[String]) -> anyhow::Result<String> {
    flag(args, "--admin-url")
        .or_else(|| std::env::var("PG_ADMIN_URL").ok())
        .context("give --admin-url or set PG_ADMIN_URL")
}

fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    config::load_dotenv();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("setup") => {
            let setup = admin::Setup {
                database: flag(&args, "--database")
                    .unwrap_or_else(|| env_or("SCHOOLOPS_DATABASE", "schoolops")),
                owner_password: env_or("SCHOOLOPS_OWNER_PASSWORD", admin::OWNER_ROLE),
                app_password: env_or("SCHOOLOPS_APP_PASSWORD", admin::APP_ROLE),
            };
            let urls = admin::setup(&admin_url(&args)?, &setup).await?;
            eprintln!("database {} ready; migrations applied", setup.database);
            println!("export DATABASE_URL={}", shell_quote(&urls.app));
            println!("export DATABASE_OWNER_URL={}", shell_quote(&urls.owner));
        }
        Some("migrate") => {
            let owner = std::env::var("DATABASE_OWNER_URL")
                .context("set DATABASE_OWNER_URL (the owner role's URL)")?;
            admin::migrate(&owner).await?;
            eprintln!("migrations applied");
        }
        Some("drop-test-databases") => {
            let dropped = admin::drop_test_databases(&admin_url(&args)?).await?;
            eprintln!("dropped {dropped} test databases");
        }
        Some("-h" | "--help" | "help") => println!("{USAGE}"),
        _ => bail!("{USAGE}"),
    }
    Ok(())
}
