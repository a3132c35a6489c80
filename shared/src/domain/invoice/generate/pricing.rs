//! What generation says about prices, per grade level: the structure that
//! priced each level's invoices with their adjustments (`BY_LEVEL`, read by
//! both the preview and the operation's summary), and the warnings a bursar
//! should see (the term has ended; only the default structure applies).

use chrono::Datelike;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    domain::{calendar, fees, money::Money},
    error::Result,
};

/// Per grade level: how many invoices, their total, their adjustments, and
/// the structure that priced them, read from a `priced` CTE of `level_id`,
/// `structure_id`, `total`, `adjustments` (a count) and `adjusted` (KES).
pub(super) const BY_LEVEL: &str = "SELECT gl.name AS level, count(*) AS invoices, coalesce(sum(p.total), 0) AS total_amount,
                coalesce(sum(p.adjustments), 0)::bigint AS adjustments, coalesce(sum(p.adjusted), 0) AS adjusted_amount,
                f.id AS structure_id, f.name AS structure_name, fl.name AS structure_level,
                f.term AS structure_term, f.year AS structure_year, coalesce(f.is_default, false) AS is_default
           FROM priced p
           LEFT JOIN grade_levels gl ON gl.id = p.level_id
           LEFT JOIN fee_structures f ON f.id = p.structure_id
           LEFT JOIN grade_levels fl ON fl.id = f.level_id
          GROUP BY gl.name, gl.sort_order, f.id, f.name, fl.name, f.term, f.year, f.is_default
          ORDER BY gl.sort_order NULLS LAST, f.id";

/// The structure that priced (or would price) one grade level's invoices.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct LevelPricing {
    /// The grade level; null for students in no class.
    pub level: Option<String>,
    pub invoices: i64,
    pub total_amount: Money,
    /// Discounts, bursaries and sponsored shares on those invoices: how
    /// many, and what they take off (or a sponsor carries).
    #[serde(default)]
    pub adjustments: i64,
    #[serde(default)]
    pub adjusted_amount: Money,
    /// Null for invoices issued before structures were recorded.
    pub fee_structure_id: Option<Uuid>,
    /// The structure's name and what it covers:
    /// "Grade 5 fees (Grade 5, term 1, any year)".
    pub fee_structure: Option<String>,
    /// Priced by the school's catch-all default structure.
    pub default_structure: bool,
}

/// Something the bursar should know before (or after) generating.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct GenerationWarning {
    pub code: WarningCode,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// The term has already ended (or its year has, with no dates set).
    TermEnded,
    /// A grade level only the school's catch-all default structure prices.
    DefaultFeeStructureOnly,
}

#[derive(sqlx::FromRow)]
pub(super) struct LevelRow {
    level: Option<String>,
    invoices: i64,
    total_amount: rust_decimal::Decimal,
    adjustments: i64,
    adjusted_amount: rust_decimal::Decimal,
    structure_id: Option<Uuid>,
    structure_name: Option<String>,
    structure_level: Option<String>,
    structure_term: Option<i16>,
    structure_year: Option<i32>,
    is_default: bool,
}

impl From<LevelRow> for LevelPricing {
    fn from(row: LevelRow) -> Self {
        let fee_structure = row.structure_name.map(|name| {
            let scope = fees::scope(
                row.structure_level.as_deref(),
                row.structure_term,
                row.structure_year,
            );
            format!("{name} ({scope})")
        });
        LevelPricing {
            level: row.level,
            invoices: row.invoices,
            total_amount: Money::from_decimal(row.total_amount),
            adjustments: row.adjustments,
            adjusted_amount: Money::from_decimal(row.adjusted_amount),
            fee_structure_id: row.structure_id,
            fee_structure,
            default_structure: row.is_default,
        }
    }
}

/// The warnings for generating `term` of `year` with these levels: the term
/// has ended; a level only the catch-all default structure prices.
pub(super) async fn warnings(
    conn: &mut PgConnection,
    term: i16,
    year: i32,
    levels: &[LevelPricing],
) -> Result<Vec<GenerationWarning>> {
    let mut warnings = Vec::new();
    let ends_on: Option<chrono::NaiveDate> =
        sqlx::query_scalar("SELECT ends_on FROM academic_terms WHERE term = $1 AND year = $2")
            .bind(term)
            .bind(year)
            .fetch_optional(&mut *conn)
            .await?;
    let today = calendar::today_in_kenya();
    let ended = match ends_on {
        Some(ends_on) if ends_on < today => {
            Some(format!("term {term} of {year} ended on {ends_on}"))
        }
        // A term the school has no dates for has ended if its year has.
        None if year < today.year() => Some(format!("term {term} of {year} is in a past year")),
        _ => None,
    };
    if let Some(detail) = ended {
        warnings.push(GenerationWarning {
            code: WarningCode::TermEnded,
            detail,
        });
    }
    for level in levels.iter().filter(|l| l.default_structure) {
        let name = level.level.as_deref().unwrap_or("students in no class");
        warnings.push(GenerationWarning {
            code: WarningCode::DefaultFeeStructureOnly,
            detail: format!(
                "{name}: no fee structure is set for this level, term or year; the school's default {} applies",
                level.fee_structure.as_deref().unwrap_or("structure")
            ),
        });
    }
    Ok(warnings)
}
