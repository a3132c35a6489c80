//! A value that never shows itself in logs or Debug output.

use std::fmt;

#[derive(Clone)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The only way to read the value: grep for it to audit where secrets go.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

/// Files of this repository that hold example secrets: a secret found in
/// them is public, however long it is.
const PUBLISHED: &[&str] = &[
    include_str!("../../.env.example"),
    include_str!("../../docker-compose.yml"),
];

/// Why a signing secret may not guard production, if it may not: it is
/// published in this repository, shorter than 32 bytes, or too regular to
/// hold 32 bytes (256 bits) of entropy. The estimate is the length times
/// the bits of the character classes used (lower, upper, digits, other),
/// and the characters must be spread (at least 3 bits each, by Shannon's
/// measure), so `aaaa...` or `abcabc...` fail however long.
pub fn weakness(secret: &str) -> Option<String> {
    let trimmed = secret.trim();
    if trimmed.len() < 32 {
        return Some("is shorter than 32 bytes".into());
    }
    if PUBLISHED.iter().any(|file| file.contains(trimmed)) {
        return Some("is the example from .env.example or docker-compose.yml".into());
    }
    let classes = [
        (trimmed.chars().any(|c| c.is_ascii_lowercase()), 26.0),
        (trimmed.chars().any(|c| c.is_ascii_uppercase()), 26.0),
        (trimmed.chars().any(|c| c.is_ascii_digit()), 10.0),
        (trimmed.chars().any(|c| !c.is_ascii_alphanumeric()), 32.0),
    ];
    let alphabet: f64 = classes
        .iter()
        .filter(|(used, _)| *used)
        .map(|(_, n)| n)
        .sum();
    let length = trimmed.chars().count() as f64;
    let estimate = length * alphabet.log2();
    let mut counts = std::collections::HashMap::new();
    for c in trimmed.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let spread: f64 = counts
        .values()
        .map(|&n| {
            let p = n as f64 / length;
            -p * p.log2()
        })
        .sum();
    if estimate < 256.0 || spread < 3.0 {
        return Some(format!(
            "holds about {} bits of entropy; 256 are needed (e.g. `openssl rand -base64 48`)",
            estimate.min(spread * length) as u32
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_short_and_regular_secrets_are_weak() {
        assert!(weakness("change-me-to-a-long-random-string-of-at-least-32-bytes").is_some());
        assert!(weakness("dev-only-jwt-secret-change-me-0123456789abcdef").is_some());
        assert!(weakness("short").is_some());
        assert!(weakness(&"a".repeat(100)).is_some());
        assert!(weakness(&"abc".repeat(40)).is_some());
        assert!(weakness("0123456789abcdef0123456789abcdef").is_some());
    }

    #[test]
    fn random_secrets_pass() {
        // 48 random bytes in base64, and 32 in hex.
        assert_eq!(
            weakness("q8Jx0mZ3vR7tYk2LwP9sN4bH6cF1dG5eA0uI3oE7yT8rW2qX5zV9nM4lK6jB1hC3"),
            None
        );
        assert_eq!(
            weakness("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
            None
        );
    }

    #[test]
    fn debug_output_never_contains_the_value() {
        let secret = Secret::new("hunter2-very-secret".to_string());
        assert_eq!(format!("{secret:?}"), "Secret([REDACTED])");
        assert_eq!(secret.expose(), "hunter2-very-secret");
    }
}
