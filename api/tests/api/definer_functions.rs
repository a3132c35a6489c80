//! Every SECURITY DEFINER function, now and in later migrations, ends its
//! search_path with pg_temp, so no caller can shadow what it names.

use crate::helpers::TestApp;

#[tokio::test]
async fn every_security_definer_function_ends_its_search_path_with_pg_temp() {
    let app = TestApp::spawn().await;
    let definers: Vec<(String, Option<Vec<String>>)> = sqlx::query_as(
        "SELECT p.oid::regprocedure::text, p.proconfig
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        definers.len() >= 3,
        "the scheduler's and pruning's functions are definers: {definers:?}"
    );
    for (function, config) in definers {
        let search_path = config
            .unwrap_or_default()
            .into_iter()
            .find_map(|setting| setting.strip_prefix("search_path=").map(str::to_string))
            .unwrap_or_else(|| panic!("{function} sets no search_path"));
        assert!(
            search_path.replace(' ', "").ends_with(",pg_temp"),
            "{function}: search_path={search_path}"
        );
    }
}
