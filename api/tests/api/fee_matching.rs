//! Which fee structure prices an invoice (most specific first, null as
//! "any"), what generation says about it, and when invoices fall due.

use chrono::Datelike;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{Member, TestApp},
    invoicing::generate,
};

fn next_year() -> i32 {
    chrono::Utc::now().year() + 1
}

/// A school with one class of `level` holding one student; returns the
/// owner, the class and the student.
async fn school_with(app: &TestApp, level: &str) -> (Member, Uuid, Uuid) {
    let owner = app
        .owner_with_school("owner@example.com", "Imara Academy")
        .await;
    let class = class_of_level(&owner, level).await;
    let student = student_in(&owner, class, "ADM-001").await;
    (owner, class, student)
}

async fn class_of_level(owner: &Member, level: &str) -> Uuid {
    let class = owner
        .create(
            "/classes",
            json!({"name": format!("{level} West"), "level": level, "academic_year": next_year().to_string(), "stream": "West"}),
        )
        .await;
    id(&class)
}

async fn student_in(owner: &Member, class: Uuid, admission_no: &str) -> Uuid {
    let student = owner
        .create(
            "/students",
            json!({"admission_no": admission_no, "first_name": "Akinyi", "last_name": "Otieno", "class_id": class}),
        )
        .await;
    id(&student)
}

fn id(value: &Value) -> Uuid {
    value["id"].as_str().unwrap().parse().unwrap()
}

async fn structure(owner: &Member, name: &str, scope: Value, amount: u32) -> Uuid {
    let mut body = json!({"name": name, "items": [{"name": "Tuition", "amount": amount, "income_account": "4000"}]});
    body.as_object_mut()
        .unwrap()
        .extend(scope.as_object().unwrap().clone());
    id(&owner.create("/fees/structures", body).await)
}

/// The one invoice of `student` for `term` of `year`.
async fn invoice_of(owner: &Member, student: Uuid, term: i16, year: i32) -> Value {
    let (_, invoices) = owner
        .get_json(&format!(
            "/invoices?student_id={student}&term={term}&year={year}"
        ))
        .await;
    let invoices = invoices.as_array().unwrap();
    assert_eq!(invoices.len(), 1, "{invoices:?}");
    invoices[0].clone()
}

fn codes(operation: &Value) -> Vec<String> {
    operation["result"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_string())
        .collect()
}

/// Issue 12: "billing Grade 5 after setting its fees 'for every year'
/// issued the 18,500 default instead of 20,000 with no warning".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grade_5_fees_set_for_every_year_bill_grade_5_20000_not_the_default() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class, student) = school_with(&app, "Grade 5").await;
    let grade_5 = structure(
        &owner,
        "Grade 5 Term 1",
        json!({"level": "Grade 5", "term": 1}),
        20000,
    )
    .await;
    let year = next_year();
    let operation = generate(&owner, json!({"class_id": class, "term": 1, "year": year})).await;
    assert_eq!(operation["status"], "succeeded", "{operation}");
    let invoice = invoice_of(&owner, student, 1, year).await;
    assert_eq!(invoice["total"], "20000.00");
    assert_eq!(invoice["fee_structure_id"], grade_5.to_string());
    let (_, one) = owner
        .get_json(&format!("/invoices/{}", invoice["id"].as_str().unwrap()))
        .await;
    assert_eq!(one["fee_structure_id"], grade_5.to_string());
    let levels = operation["result"]["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 1, "{levels:?}");
    assert_eq!(levels[0]["level"], "Grade 5");
    assert_eq!(levels[0]["invoices"], 1);
    assert_eq!(levels[0]["fee_structure_id"], grade_5.to_string());
    assert_eq!(
        levels[0]["fee_structure"],
        "Grade 5 Term 1 (Grade 5, term 1, any year)"
    );
    assert!(codes(&operation).is_empty(), "{operation}");
    crate::helpers::assert_books_right(&app, &owner).await;
}

/// Each scope in API.md's order beats every less specific one: structures
/// are added least specific first, and each new one prices the next student.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_more_specific_of_any_two_fee_structures_wins() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class, _) = school_with(&app, "Grade 4").await;
    let year = next_year();
    let least_specific_first = [
        ("none", json!({})),
        ("year", json!({"year": year})),
        ("term", json!({"term": 2})),
        ("term+year", json!({"term": 2, "year": year})),
        ("level", json!({"level": "Grade 4"})),
        ("level+year", json!({"level": "Grade 4", "year": year})),
        ("level+term", json!({"level": "Grade 4", "term": 2})),
        (
            "level+term+year",
            json!({"level": "Grade 4", "term": 2, "year": year}),
        ),
    ];
    for (n, (name, scope)) in least_specific_first.into_iter().enumerate() {
        let amount = 1000 + n as u32;
        let id = structure(&owner, name, scope, amount).await;
        let student = student_in(&owner, class, &format!("ADM-1{n:02}")).await;
        generate(
            &owner,
            json!({"student_id": student, "term": 2, "year": year}),
        )
        .await;
        let invoice = invoice_of(&owner, student, 2, year).await;
        assert_eq!(
            invoice["total"],
            format!("{amount}.00"),
            "{name} beats every less specific structure"
        );
        assert_eq!(invoice["fee_structure_id"], id.to_string(), "{name}");
    }
    // Structures for another level, term or year never apply.
    structure(
        &owner,
        "Grade 5 T2",
        json!({"level": "Grade 5", "term": 2, "year": year}),
        1,
    )
    .await;
    structure(
        &owner,
        "T3",
        json!({"level": "Grade 4", "term": 3, "year": year}),
        2,
    )
    .await;
    structure(
        &owner,
        "Next year",
        json!({"level": "Grade 4", "term": 2, "year": year + 1}),
        3,
    )
    .await;
    let student = student_in(&owner, class, "ADM-200").await;
    generate(
        &owner,
        json!({"student_id": student, "term": 2, "year": year}),
    )
    .await;
    assert_eq!(
        invoice_of(&owner, student, 2, year).await["total"],
        "1007.00"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn structures_without_a_term_or_a_year_price_every_term_or_year() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class, student) = school_with(&app, "Grade 4").await;
    let year = next_year();
    let no_term = structure(
        &owner,
        "Grade 4 this year",
        json!({"level": "Grade 4", "year": year}),
        700,
    )
    .await;
    let no_year = structure(&owner, "Term 3 any year", json!({"term": 3}), 300).await;
    for term in [1, 2] {
        generate(
            &owner,
            json!({"class_id": class, "term": term, "year": year}),
        )
        .await;
        let invoice = invoice_of(&owner, student, term, year).await;
        assert_eq!(invoice["total"], "700.00", "term {term}");
        assert_eq!(invoice["fee_structure_id"], no_term.to_string());
    }
    // level + year beats term alone.
    generate(&owner, json!({"class_id": class, "term": 3, "year": year})).await;
    assert_eq!(
        invoice_of(&owner, student, 3, year).await["total"],
        "700.00"
    );
    // The year after, only the term-3 structure (any year) applies.
    generate(
        &owner,
        json!({"class_id": class, "term": 3, "year": year + 1}),
    )
    .await;
    let invoice = invoice_of(&owner, student, 3, year + 1).await;
    assert_eq!(invoice["total"], "300.00");
    assert_eq!(invoice["fee_structure_id"], no_year.to_string());
    crate::helpers::assert_books_right(&app, &owner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generating_with_only_the_default_structure_says_so_per_level() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class, student) = school_with(&app, "Grade 4").await;
    let grade_6 = class_of_level(&owner, "Grade 6").await;
    let year = next_year();
    structure(&owner, "Grade 6 fees", json!({"level": "Grade 6"}), 500).await;
    let operation = generate(&owner, json!({"class_id": class, "term": 1, "year": year})).await;
    assert_eq!(codes(&operation), ["default_fee_structure_only"]);
    let detail = operation["result"]["warnings"][0]["detail"]
        .as_str()
        .unwrap();
    assert!(detail.starts_with("Grade 4:"), "{detail}");
    let level = &operation["result"]["levels"][0];
    assert_eq!(level["level"], "Grade 4");
    assert_eq!(level["default_structure"], true);
    assert_eq!(
        level["fee_structure"],
        "Default fees (every level, any term, any year)"
    );
    assert_eq!(
        invoice_of(&owner, student, 1, year).await["total"],
        "18500.00"
    );
    // A level with its own structure is not warned about.
    student_in(&owner, grade_6, "ADM-600").await;
    let operation = generate(
        &owner,
        json!({"class_id": grade_6, "term": 1, "year": year}),
    )
    .await;
    assert!(codes(&operation).is_empty(), "{operation}");
    assert_eq!(operation["result"]["levels"][0]["level"], "Grade 6");
    assert_eq!(operation["result"]["levels"][0]["default_structure"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generating_a_term_that_has_ended_says_so() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class, _) = school_with(&app, "Grade 4").await;
    structure(&owner, "Grade 4", json!({"level": "Grade 4"}), 900).await;
    let past = chrono::Utc::now().year() - 1;
    let operation = generate(&owner, json!({"class_id": class, "term": 3, "year": past})).await;
    assert_eq!(operation["result"]["created"], 1);
    assert_eq!(codes(&operation), ["term_ended"]);
    // A term whose dates say it ended.
    let (_, terms) = owner.get_json("/terms").await;
    let term = terms
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["year"] == next_year() && t["term"] == 1)
        .unwrap()
        .clone();
    let path = format!("/terms/{}", term["id"].as_str().unwrap());
    let response = owner
        .patch(
            &path,
            json!({"starts_on": "2020-01-06", "ends_on": "2020-04-03"}),
        )
        .await;
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    let operation = generate(
        &owner,
        json!({"class_id": class, "term": 1, "year": next_year()}),
    )
    .await;
    assert_eq!(codes(&operation), ["term_ended"]);
    assert!(
        operation["result"]["warnings"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("2020-04-03")
    );
    // The next term, not yet started: no warning.
    let operation = generate(
        &owner,
        json!({"class_id": class, "term": 2, "year": next_year()}),
    )
    .await;
    assert!(codes(&operation).is_empty(), "{operation}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_fall_due_the_structures_due_days_after_the_term_starts() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class, student) = school_with(&app, "Grade 4").await;
    let year = next_year();
    let id = id(&owner
        .create(
            "/fees/structures",
            json!({"name": "Grade 4", "level": "Grade 4", "due_days": 14,
                   "items": [{"name": "Tuition", "amount": 900, "income_account": "4000"}]}),
        )
        .await);
    let (_, structure) = owner.get_json(&format!("/fees/structures/{id}")).await;
    assert_eq!(structure["due_days"], 14);
    let (_, terms) = owner.get_json("/terms").await;
    let starts = |term: i64| {
        let t = terms
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["year"] == year && t["term"] == term)
            .unwrap();
        chrono::NaiveDate::parse_from_str(t["starts_on"].as_str().unwrap(), "%Y-%m-%d").unwrap()
    };
    generate(&owner, json!({"class_id": class, "term": 1, "year": year})).await;
    let due = (starts(1) + chrono::Duration::days(14)).to_string();
    assert_eq!(invoice_of(&owner, student, 1, year).await["due_date"], due);
    // Changing due_days changes the next invoices, not the issued ones.
    let response = owner
        .patch(&format!("/fees/structures/{id}"), json!({"due_days": 0}))
        .await;
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["due_days"], 0);
    generate(&owner, json!({"class_id": class, "term": 2, "year": year})).await;
    assert_eq!(
        invoice_of(&owner, student, 2, year).await["due_date"],
        starts(2).to_string()
    );
    assert_eq!(invoice_of(&owner, student, 1, year).await["due_date"], due);
    let response = owner
        .patch(&format!("/fees/structures/{id}"), json!({"due_days": 400}))
        .await;
    crate::helpers::assert_problem(
        response,
        reqwest::StatusCode::BAD_REQUEST,
        "invalid_due_days",
    )
    .await;
}

/// The chat's preview says which structure prices each level, and warns
/// of an ended term and of a level only the default prices, before
/// anything is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_preview_names_the_structure_per_level_and_warns() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, _class) = crate::invoicing::class_of(&app, 2).await;
    let chat = crate::chat::new_chat(&owner).await;

    // Grade 4 has no structure of its own; term 1 of 2025 has ended.
    let preview = crate::chat::ask(
        &owner,
        chat,
        "Generate invoices for class Grade 4 East for term 1 2025",
    )
    .await;
    let content = preview["content"].as_str().unwrap();
    assert_eq!(preview["action"]["status"], "proposed", "{preview}");
    assert!(
        content.contains("Fees from Grade 4: Default fees"),
        "{content}"
    );
    assert!(content.contains("has already ended"), "{content}");
    assert!(
        content.contains("no fee structure is set for Grade 4"),
        "{content}"
    );

    // With Grade 4's own structure for every term and year, the preview
    // names it and the default warning goes.
    structure(&owner, "Grade 4 fees", json!({"level": "Grade 4"}), 20000).await;
    let preview = crate::chat::ask(
        &owner,
        chat,
        &format!(
            "Generate invoices for class Grade 4 East for term 1 {}",
            next_year()
        ),
    )
    .await;
    let content = preview["content"].as_str().unwrap();
    assert!(
        content.contains("Fees from Grade 4: Grade 4 fees"),
        "{content}"
    );
    assert!(!content.contains("no fee structure is set"), "{content}");
    assert!(!content.contains("has already ended"), "{content}");
}

/// The case: a term billed at the default because the level's fees
/// were not set yet. The bursar cancels the wrong invoice, sets the fees,
/// and generates the term again: a new invoice at the right price with the
/// next number; the cancelled one keeps its number and stays cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_term_invoice_can_be_generated_again_at_the_right_price() {
    let app = TestApp::spawn().await;
    app.start_worker();
    let (owner, class, student) = school_with(&app, "Grade 5").await;
    let year = next_year();
    let request = json!({"class_id": class, "term": 1, "year": year});
    generate(&owner, request.clone()).await;
    let wrong = invoice_of(&owner, student, 1, year).await;
    assert_eq!(wrong["total"], "18500.00");

    let response = owner
        .post(
            &format!("/invoices/{}/cancel", wrong["id"].as_str().unwrap()),
            json!({"reason": "Billed at the default before Grade 5 fees were set"}),
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    structure(&owner, "Grade 5 fees", json!({"level": "Grade 5"}), 20_000).await;
    let again = generate(&owner, request.clone()).await;
    assert_eq!(again["result"]["created"], 1, "{again}");

    let (_, invoices) = owner
        .get_json(&format!(
            "/invoices?student_id={student}&term=1&year={year}"
        ))
        .await;
    let numbers: Vec<(&str, &str, &str)> = invoices
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["number"].as_str().unwrap(),
                i["status"].as_str().unwrap(),
                i["total"].as_str().unwrap(),
            )
        })
        .collect();
    let first = format!("INV-{year}-00001");
    let second = format!("INV-{year}-00002");
    assert_eq!(
        numbers,
        vec![
            (first.as_str(), "CANCELLED", "18500.00"),
            (second.as_str(), "UNPAID", "20000.00")
        ]
    );
    // A third generation issues nothing: the live invoice holds the term.
    let third = generate(&owner, request).await;
    assert_eq!(third["result"]["created"], 0, "{third}");
    assert_eq!(third["result"]["already_invoiced"], 1, "{third}");
    let (_, record) = owner.get_json(&format!("/students/{student}")).await;
    assert_eq!(record["balance"], "20000.00");
    crate::helpers::assert_books_right(&app, &owner).await;
}
