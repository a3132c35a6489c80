//! The runtime role must be bound by row-level security: not a superuser,
//! no BYPASSRLS, and the owner of no table (owners skip RLS unless forced,
//! and can drop policies). The services refuse to start otherwise.

use sqlx::PgPool;

#[derive(Debug, sqlx::FromRow)]
struct RoleFacts {
    name: String,
    superuser: bool,
    bypass_rls: bool,
    owned_tables: i64,
}

pub async fn ensure_runtime_role_is_bound_by_rls(pool: &PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let facts: RoleFacts = sqlx::query_as(
        "SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypass_rls,
                (SELECT count(*) FROM pg_class c
                  WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p')
                    AND c.relnamespace = 'public'::regnamespace) AS owned_tables
           FROM pg_roles r WHERE r.rolname = current_user",
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut problems = Vec::new();
    if facts.superuser {
        problems.push("is a superuser");
    }
    if facts.bypass_rls {
        problems.push("has BYPASSRLS");
    }
    if facts.owned_tables > 0 {
        problems.push("owns tables");
    }
    if !problems.is_empty() {
        anyhow::bail!(
            "refusing to start: database role {:?} {} and so could bypass row-level security; \
             connect DATABASE_URL as the runtime role (schoolops_app), not the owner or a superuser",
            facts.name,
            problems.join(" and ")
        );
    }
    Ok(())
}
