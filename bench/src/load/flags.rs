//! `--name value` / `--name=value` flags, and bare `--name` switches.

use std::collections::HashMap;

use anyhow::{Context, bail};

/// Switches: flags that take no value.
const SWITCHES: &[&str] = &["keep-db", "help"];

pub struct Flags {
    values: HashMap<String, String>,
}

impl Flags {
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut values = HashMap::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let name = match arg.as_str() {
                "-h" => "help",
                other => other
                    .strip_prefix("--")
                    .with_context(|| format!("expected a --flag, got {other:?}"))?,
            };
            let (name, value) = match name.split_once('=') {
                Some((name, value)) => (name.to_string(), value.to_string()),
                None if SWITCHES.contains(&name) => (name.to_string(), String::new()),
                None => (
                    name.to_string(),
                    args.next()
                        .with_context(|| format!("--{name} needs a value"))?
                        .clone(),
                ),
            };
            values.insert(name, value);
        }
        Ok(Self { values })
    }

    pub fn help(&self) -> bool {
        self.has("help")
    }

    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Fails on any flag not in `known` (nor a switch).
    pub fn only(&self, known: &[&str]) -> anyhow::Result<()> {
        for name in self.values.keys() {
            if !known.contains(&name.as_str()) && !SWITCHES.contains(&name.as_str()) {
                bail!("unknown flag --{name}; see --help");
            }
        }
        Ok(())
    }

    /// A whole number within `range`, or `default` when absent.
    pub fn number(
        &self,
        name: &str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> anyhow::Result<u64> {
        let Some(value) = self.values.get(name) else {
            return Ok(default);
        };
        let n: u64 = value
            .parse()
            .with_context(|| format!("--{name} needs a whole number, got {value:?}"))?;
        if !range.contains(&n) {
            bail!(
                "--{name} must be {} to {}, got {n}",
                range.start(),
                range.end()
            );
        }
        Ok(n)
    }
}
