//! The fee office's reports (GET /reports/...): each total ties to the
//! ledger, ageing goes by due date as of a day, the defaulters' filters and
//! CSV, the roles that may read them, and bad queries.

use chrono::{Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{Member, TestApp, assert_books_right, assert_problem},
    invoicing::{class_of, generate},
};

/// Today in Nairobi (UTC+3 all year).
fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(3)).date_naive()
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

/// A one-off invoice for 2025 term 1 falling due `due_in` days from today.
async fn charge(owner: &Member, student: Uuid, lines: Value, due_in: i64) -> Value {
    let response = owner
        .post(
            "/invoices",
            json!({"student_id": student, "term": 1, "year": 2025, "lines": lines, "due_date": day(due_in)}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn uniform(owner: &Member, student: Uuid, amount: &str, due_in: i64) -> Value {
    charge(
        owner,
        student,
        json!([{"name": "Uniform", "amount": amount}]),
        due_in,
    )
    .await
}

/// Records a payment and waits for the worker to post it.
async fn pay(owner: &Member, body: Value) -> Value {
    let payment = owner.create("/payments", body).await;
    let path = format!("/payments/{}", payment["id"].as_str().unwrap());
    owner
        .eventually(&path, |p| p["posting_status"] == "POSTED")
        .await
}

/// A student in `class` (or none) whose primary guardian has `phone`.
async fn pupil(owner: &Member, admission_no: &str, class: Option<Uuid>, phone: &str) -> Uuid {
    let student = owner
        .create(
            "/students",
            json!({"admission_no": admission_no, "first_name": "Pupil", "last_name": admission_no,
                   "class_id": class,
                   "primary_guardian": {"first_name": "Parent", "last_name": admission_no, "phone": phone}}),
        )
        .await;
    student["id"].as_str().unwrap().parse().unwrap()
}

async fn csv(member: &Member, path: &str) -> (StatusCode, String, String) {
    let response = member
        .request(reqwest::Method::GET, path)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, kind, response.text().await.unwrap())
}

async fn ok(member: &Member, path: &str) -> Value {
    let (status, body) = member.get_json(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

/// GET /reports/collections for `range` ("from=...&to=...") grouped by
/// `group_by`, answered 200.
async fn collections(member: &Member, range: &str, group_by: &str) -> Value {
    ok(
        member,
        &format!("/reports/collections?{range}&group_by={group_by}"),
    )
    .await
}

fn money(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not money: {value}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aged_receivables_total_equals_1100_and_buckets_go_by_due_date_as_of_the_day() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let east = owner.grade_4_east().await;
    let a = pupil(&owner, "ADM-001", Some(east), "0712345678").await;
    let c = pupil(&owner, "ADM-002", None, "0712345679").await;
    uniform(&owner, a, "1000.00", 5).await;
    uniform(&owner, a, "2000.00", -10).await;
    let older = uniform(&owner, a, "3000.00", -45).await;
    uniform(&owner, c, "4000.00", -75).await;
    uniform(&owner, c, "5000.00", -120).await;
    pay(
        &owner,
        json!({"invoice_id": older["id"], "amount": "500", "method": "CASH"}),
    )
    .await;
    let books = assert_books_right(&app, &owner).await;

    let aged = ok(&owner, "/reports/aged-receivables").await;
    assert_eq!(aged["as_of"], today().to_string());
    let classes = aged["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 2, "{aged}");
    let (east_row, none_row) = (&classes[0], &classes[1]);
    assert_eq!(east_row["class_name"], "Grade 4 East");
    assert_eq!(east_row["class_id"], east.to_string());
    assert_eq!(
        [
            &east_row["current"],
            &east_row["days_1_30"],
            &east_row["days_31_60"],
            &east_row["days_61_90"],
            &east_row["over_90"],
            &east_row["total"]
        ],
        ["1000.00", "2000.00", "2500.00", "0.00", "0.00", "5500.00"]
    );
    assert_eq!(none_row["class_name"], "No class");
    assert!(none_row["class_id"].is_null());
    assert_eq!(
        [
            &none_row["days_61_90"],
            &none_row["over_90"],
            &none_row["total"]
        ],
        ["4000.00", "5000.00", "9000.00"]
    );
    assert_eq!(aged["total"]["total"], "14500.00");
    assert_eq!(aged["receivable"], "14500.00");
    assert_eq!(money(&aged["total"]["total"]), books.receivable.to_string());

    // Forty days on, the same invoices have aged (nothing was posted since).
    let later = ok(
        &owner,
        &format!("/reports/aged-receivables?as_of={}", day(40)),
    )
    .await;
    let total = &later["total"];
    assert_eq!(
        [
            &total["current"],
            &total["days_1_30"],
            &total["days_31_60"],
            &total["days_61_90"],
            &total["over_90"]
        ],
        ["0.00", "0.00", "3000.00", "2500.00", "9000.00"]
    );
    assert_eq!(later["receivable"], "14500.00");

    // The day before anything was posted: nothing was owed.
    let before = ok(
        &owner,
        &format!("/reports/aged-receivables?as_of={}", day(-1)),
    )
    .await;
    assert_eq!(before["classes"], json!([]));
    assert_eq!(before["total"]["total"], "0.00");
    assert_eq!(before["receivable"], "0.00");

    let (status, kind, body) = csv(&owner, "/reports/aged-receivables").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        "class_id,class_name,current,days_1_30,days_31_60,days_61_90,over_90,total"
    );
    assert_eq!(lines.len(), 4, "{body}");
    assert_eq!(
        lines[1],
        format!("{east},Grade 4 East,1000.00,2000.00,2500.00,0.00,0.00,5500.00")
    );
    assert_eq!(
        lines[3],
        ",Total,1000.00,2000.00,2500.00,4000.00,5000.00,14500.00"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaulters_are_those_who_owe_largest_first_with_the_guardians_phone_and_filters() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let east = owner.grade_4_east().await;
    let a = pupil(&owner, "ADM-001", Some(east), "0712345678").await;
    let b = pupil(&owner, "ADM-002", Some(east), "0722000001").await;
    let c = pupil(&owner, "ADM-003", None, "0722000002").await;
    let paid_up = pupil(&owner, "ADM-004", Some(east), "0722000003").await;
    let in_credit = pupil(&owner, "ADM-005", Some(east), "0722000004").await;
    uniform(&owner, a, "3000.00", -40).await;
    uniform(&owner, a, "1000.00", 10).await;
    uniform(&owner, b, "1500.00", -5).await;
    uniform(&owner, c, "6000.00", 0).await;
    uniform(&owner, paid_up, "800.00", -5).await;
    pay(
        &owner,
        json!({"student_id": paid_up, "amount": "800", "method": "CASH"}),
    )
    .await;
    pay(
        &owner,
        json!({"student_id": in_credit, "amount": "250", "method": "CASH"}),
    )
    .await;
    assert_books_right(&app, &owner).await;

    let all = ok(&owner, "/reports/defaulters").await;
    let rows = all.as_array().unwrap();
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r["student_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, [c, a, b].map(|id| id.to_string()), "{all}");
    let first_a = &rows[1];
    assert_eq!(first_a["name"], "Pupil ADM-001");
    assert_eq!(first_a["admission_no"], "ADM-001");
    assert_eq!(first_a["class_name"], "Grade 4 East");
    assert_eq!(first_a["guardian_name"], "Parent ADM-001");
    assert_eq!(first_a["guardian_phone"], "+254712345678");
    assert_eq!(first_a["balance"], "4000.00");
    assert_eq!(first_a["days_overdue"], 40);
    assert_eq!(first_a["current"], "1000.00");
    assert_eq!(first_a["days_31_60"], "3000.00");
    // Due today is not yet overdue.
    assert_eq!(rows[0]["days_overdue"], 0);
    assert_eq!(rows[0]["current"], "6000.00");
    assert!(rows[0]["class_id"].is_null());
    assert_eq!(rows[2]["days_overdue"], 5);
    assert_eq!(rows[2]["days_1_30"], "1500.00");

    let in_east = ok(&owner, &format!("/reports/defaulters?class_id={east}")).await;
    assert_eq!(in_east.as_array().unwrap().len(), 2);
    assert!(
        in_east
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["class_id"] == east.to_string())
    );
    let big = ok(&owner, "/reports/defaulters?min_balance=4000").await;
    let big: Vec<&Value> = big.as_array().unwrap().iter().collect();
    assert_eq!(big.len(), 2);
    assert_eq!(
        (money(&big[0]["balance"]), money(&big[1]["balance"])),
        ("6000.00", "4000.00")
    );
    let before = ok(&owner, &format!("/reports/defaulters?as_of={}", day(-1))).await;
    assert_eq!(before, json!([]));

    // Another school's class is just a class with no one in it here.
    let other = app
        .owner_with_school("other@example.com", "Other School")
        .await;
    let theirs = other.grade_4_east().await;
    let none = ok(&owner, &format!("/reports/defaulters?class_id={theirs}")).await;
    assert_eq!(none, json!([]));
    assert_eq!(ok(&other, "/reports/defaulters").await, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_defaulters_csv_streams_a_header_and_the_same_rows_as_the_json() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let east = owner.grade_4_east().await;
    for i in 1..=260 {
        let student = pupil(
            &owner,
            &format!("ADM-{i:03}"),
            (i % 3 != 0).then_some(east),
            &format!("0722{i:06}"),
        )
        .await;
        uniform(&owner, student, &format!("{}.50", 100 + i % 7), -(i % 100)).await;
    }
    let json_rows = ok(&owner, "/reports/defaulters").await;
    let json_rows = json_rows.as_array().unwrap();
    assert_eq!(json_rows.len(), 260);

    let (status, kind, body) = csv(&owner, "/reports/defaulters").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let mut reader = ::csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "student_id",
            "name",
            "admission_no",
            "class_id",
            "class_name",
            "guardian_name",
            "guardian_phone",
            "balance",
            "days_overdue",
            "current",
            "days_1_30",
            "days_31_60",
            "days_61_90",
            "over_90"
        ]
    );
    let records: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), json_rows.len());
    for (record, row) in records.iter().zip(json_rows) {
        for (i, column) in header.iter().enumerate() {
            let expected = match &row[column] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(record[i], expected, "{column} of {row}");
        }
    }

    // No one owes on the day before: the header alone.
    let (status, _, empty) = csv(&owner, &format!("/reports/defaulters?as_of={}", day(-1))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty.lines().count(), 1, "{empty}");
    assert!(empty.starts_with("student_id,name,admission_no,"));
    // The streamed transactions ended: the school still answers.
    assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_total_the_posted_payments_in_the_range_and_split_by_item_to_the_cent() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let east = owner.grade_4_east().await;
    let a = pupil(&owner, "ADM-001", Some(east), "0712345678").await;
    let b = pupil(&owner, "ADM-002", None, "0712345679").await;
    let fees = charge(
        &owner,
        a,
        json!([{"name": "Tuition", "amount": "1000"}, {"name": "Lunch", "amount": "1000"}, {"name": "Trip", "amount": "1000"}]),
        0,
    )
    .await;
    let kit = uniform(&owner, b, "3500.00", 0).await;
    pay(&owner, json!({"invoice_id": fees["id"], "amount": "100", "method": "CASH", "paid_at": "2026-01-05T07:00:00Z"})).await;
    pay(&owner, json!({"student_id": a, "amount": "3400", "method": "MPESA", "txn_ref": "QAB1234567", "paid_at": "2026-01-06T07:00:00Z"})).await;
    let bounced = pay(&owner, json!({"invoice_id": kit["id"], "amount": "200", "method": "BANK", "txn_ref": "BNK-1", "paid_at": "2026-01-06T08:00:00Z"})).await;
    let reversed = owner
        .post(
            &format!("/payments/{}/reverse", bounced["id"].as_str().unwrap()),
            json!({"reason": "Bounced"}),
        )
        .await;
    assert_eq!(reversed.status(), StatusCode::OK);
    // 01:30 on 1 January in Nairobi.
    pay(&owner, json!({"invoice_id": kit["id"], "amount": "300", "method": "CASH", "paid_at": "2025-12-31T22:30:00Z"})).await;
    pay(&owner, json!({"invoice_id": kit["id"], "amount": "50", "method": "CASH", "paid_at": "2026-01-08T07:00:00Z"})).await;
    assert_books_right(&app, &owner).await;

    // What the payments list says: POSTED and paid in the range.
    let (_, payments) = owner.get_json("/payments").await;
    let expected: rust_decimal::Decimal = payments
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["posting_status"] == "POSTED")
        .filter(|p| {
            let at: chrono::DateTime<Utc> = p["paid_at"].as_str().unwrap().parse().unwrap();
            let local = (at + Duration::hours(3)).date_naive().to_string();
            ("2026-01-01".to_string()..="2026-01-07".to_string()).contains(&local)
        })
        .map(|p| {
            money(&p["amount"])
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(expected.to_string(), "3800.00");

    let range = "from=2026-01-01&to=2026-01-07";
    let groups = |report: &Value| -> Vec<(String, i64, String)> {
        report["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["group"].as_str().unwrap().to_string(),
                    g["payments"].as_i64().unwrap(),
                    g["amount"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let by_day = ok(&owner, &format!("/reports/collections?{range}")).await;
    assert_eq!(by_day["group_by"], "day");
    assert_eq!(by_day["total"], "3800.00");
    assert_eq!(by_day["payments"], 3);
    assert_eq!(
        groups(&by_day),
        [
            ("2026-01-01".into(), 1, "300.00".into()),
            ("2026-01-05".into(), 1, "100.00".into()),
            ("2026-01-06".into(), 1, "3400.00".into())
        ]
    );
    let by_method = collections(&owner, range, "method").await;
    assert_eq!(
        groups(&by_method),
        [
            ("CASH".into(), 2, "400.00".into()),
            ("MPESA".into(), 1, "3400.00".into())
        ]
    );
    let by_class = collections(&owner, range, "class").await;
    assert_eq!(
        groups(&by_class),
        [
            ("Grade 4 East".into(), 2, "3500.00".into()),
            ("No class".into(), 1, "300.00".into())
        ]
    );
    // 100 over three equal lines: 33.33 each and the cent left to Lunch (by
    // name); 2,900 of the 3,400 likewise (966.67, 966.67, 966.66); 500 is credit.
    let by_item = collections(&owner, range, "item").await;
    assert_eq!(
        groups(&by_item),
        [
            ("Credit (unallocated)".into(), 1, "500.00".into()),
            ("Lunch".into(), 2, "1000.01".into()),
            ("Trip".into(), 2, "1000.00".into()),
            ("Tuition".into(), 2, "999.99".into()),
            ("Uniform".into(), 1, "300.00".into())
        ]
    );
    assert_eq!(by_item["total"], "3800.00");

    let (status, _, body) = csv(
        &owner,
        &format!("/reports/collections?{range}&group_by=method"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        "group,payments,amount\nCASH,2,400.00\nMPESA,1,3400.00\nTotal,3,3800.00\n"
    );

    let backwards = owner
        .get("/reports/collections?from=2026-01-07&to=2026-01-01")
        .await;
    assert_problem(backwards, StatusCode::BAD_REQUEST, "invalid_range").await;
    for bad in [
        format!("/reports/collections?{range}&group_by=week"),
        "/reports/collections?from=2026-13-01&to=2026-01-07".into(),
        "/reports/collections?from=2026-01-01".into(),
    ] {
        assert_problem(
            owner.get(&bad).await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn class_summary_ties_outstanding_to_the_open_balances_of_the_terms_invoices() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, east) = class_of(&app, 2).await;
    generate(&owner, json!({"class_id": east, "term": 1, "year": 2025})).await;
    let loner = pupil(&owner, "ADM-900", None, "0712345678").await;
    uniform(&owner, loner, "3500.00", 0).await;
    let wrong = uniform(&owner, loner, "999.00", 0).await;
    let cancelled = owner
        .post(
            &format!("/invoices/{}/cancel", wrong["id"].as_str().unwrap()),
            json!({"reason": "Charged twice"}),
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let (_, invoices) = owner.get_json("/invoices?term=1&year=2025").await;
    let term_invoice = invoices
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "TERM")
        .unwrap()
        .clone();
    pay(
        &owner,
        json!({"invoice_id": term_invoice["id"], "amount": "5000", "method": "CASH"}),
    )
    .await;
    assert_books_right(&app, &owner).await;

    let summary = ok(&owner, "/reports/class-summary?term=1&year=2025").await;
    let classes = summary["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 2, "{summary}");
    let east_row = &classes[0];
    assert_eq!(east_row["class_name"], "Grade 4 East");
    assert_eq!(east_row["students"], 2);
    assert_eq!(east_row["invoiced"], "37000.00");
    assert_eq!(east_row["collected"], "5000.00");
    assert_eq!(east_row["credited"], "0.00");
    assert_eq!(east_row["sponsored"], "0.00");
    assert_eq!(east_row["outstanding"], "32000.00");
    assert_eq!(classes[1]["class_name"], "No class");
    assert_eq!(classes[1]["invoiced"], "3500.00");
    assert_eq!(summary["total"]["outstanding"], "35500.00");
    assert_eq!(summary["total"]["students"], 3);

    let (_, invoices) = owner.get_json("/invoices?term=1&year=2025").await;
    let open: rust_decimal::Decimal = invoices
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] != "CANCELLED")
        .map(|i| {
            money(&i["balance"])
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(money(&summary["total"]["outstanding"]), open.to_string());

    let (status, _, body) = csv(&owner, "/reports/class-summary?term=1&year=2025").await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        "class_id,class_name,students,invoiced,credited,sponsored,collected,outstanding"
    );
    assert_eq!(lines[3], ",Total,3,40500.00,0.00,0.00,5000.00,35500.00");

    assert_eq!(
        ok(&owner, "/reports/class-summary?term=2&year=2025").await["classes"],
        json!([])
    );
    assert_problem(
        owner.get("/reports/class-summary?term=4&year=2025").await,
        StatusCode::BAD_REQUEST,
        "invalid_term",
    )
    .await;
    assert_problem(
        owner.get("/reports/class-summary?term=1").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursars_and_viewers_read_the_reports_and_teachers_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let paths = [
        "/reports/defaulters",
        "/reports/aged-receivables",
        "/reports/collections?from=2026-01-01&to=2026-01-31",
        "/reports/class-summary?term=1&year=2025",
    ];
    for role in ["BURSAR", "VIEWER"] {
        let member = owner
            .add_member(&format!("{role}@example.com").to_lowercase(), role)
            .await;
        for path in paths {
            assert_eq!(
                member.get(path).await.status(),
                StatusCode::OK,
                "{role} {path}"
            );
            let (status, _, _) = csv(&member, path).await;
            assert_eq!(status, StatusCode::OK, "{role} {path} as CSV");
        }
    }
    let teacher = owner.add_member("teacher@example.com", "TEACHER").await;
    for path in paths {
        assert_problem(
            teacher.get(path).await,
            StatusCode::FORBIDDEN,
            "insufficient_role",
        )
        .await;
        let refused = teacher
            .request(reqwest::Method::GET, path)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_problem(refused, StatusCode::FORBIDDEN, "insufficient_role").await;
    }
    assert_problem(
        owner.get("/reports/defaulters?as_of=yesterday").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_problem(
        owner.get("/reports/defaulters?min_balance=lots").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
}

/// A county bursary's cheque is money received: collections count a
/// sponsor's payment beside the families' (by day and method as one
/// payment, by class under its pupil's class, by item split over the
/// invoice it settled), and the total is still every posted payment in the
/// range.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_count_a_sponsors_payment_as_money_received() {
    let app = TestApp::spawn().await;
    let (bursar, sponsor, student) = crate::sponsors::sponsored_two_terms(&app).await;
    pay(
        &bursar,
        json!({"student_id": student, "amount": "1000", "method": "CASH"}),
    )
    .await;
    let response = bursar
        .post(
            &format!("/sponsors/{sponsor}/payments"),
            json!({"amount": "7500", "method": "BANK", "txn_ref": "EFT-2025-0314"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_books_right(&app, &bursar).await;

    let range = format!("from={}&to={}", day(-1), day(1));
    let total_of = |report: &Value| (report["total"].clone(), report["payments"].clone());
    for group_by in ["day", "method", "class", "item"] {
        let report = collections(&bursar, &range, group_by).await;
        assert_eq!(
            total_of(&report),
            (json!("8500.00"), json!(2)),
            "{group_by}: {report}"
        );
        let summed: rust_decimal::Decimal = report["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                money(&g["amount"])
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            })
            .sum();
        assert_eq!(summed.to_string(), "8500.00", "{group_by}: {report}");
    }
    let by_method = collections(&bursar, &range, "method").await;
    assert_eq!(
        by_method["groups"],
        json!([
            {"group": "BANK", "payments": 1, "amount": "7500.00"},
            {"group": "CASH", "payments": 1, "amount": "1000.00"}
        ])
    );
    let by_class = collections(&bursar, &range, "class").await;
    let groups = by_class["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{by_class}");
    assert_eq!(groups[0]["payments"], 2);
    assert_eq!(groups[0]["amount"], "8500.00");
}
