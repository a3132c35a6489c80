//! The known requests offered to the language model as tools, and the
//! check every tool call must pass: arguments are read against the schema
//! (unknown fields, wrong types and out-of-range values are refused), then
//! go through the same resolution, preview and confirmation as typed ones.

use serde::Deserialize;
use serde_json::{Value, json};

use super::intent::{Intent, StudentRef, Target};
use crate::{
    domain::{money::Money, notification::Channel, payment::Method},
    ollama::ToolCall,
};

/// The tools, in Ollama's `tools` shape.
pub fn definitions() -> Value {
    let student = json!({"type": "string", "description": "admission number (like ADM-2025-001) or full name"});
    let class = json!({"type": "string", "description": "class name, like Grade 4 East"});
    let term = json!({"type": "integer", "minimum": 1, "maximum": 3});
    let year = json!({"type": "integer", "minimum": 2000, "maximum": 2100});
    let tool = |name: &str, description: &str, properties: Value, required: &[&str]| {
        json!({"type": "function", "function": {
            "name": name, "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required, "additionalProperties": false}
        }})
    };
    json!([
        tool(
            "generate_invoices",
            "Generate fee invoices for a class or one student for a term",
            json!({"class": class, "student": student, "term": term, "year": year,
                    "include_optional": {"type": "array", "items": {"type": "string"}}}),
            &[]
        ),
        tool(
            "record_payment",
            "Record a fee payment for a student",
            json!({"student": student, "amount": {"type": "string", "description": "KES, like 10000.00"},
                    "method": {"type": "string", "enum": ["MPESA", "CASH", "BANK", "CHEQUE"]},
                    "txn_ref": {"type": "string"}}),
            &["student", "amount", "method"]
        ),
        tool(
            "notify_balances",
            "Remind guardians who owe fees",
            json!({"channel": {"type": "string", "enum": ["IN_APP", "EMAIL"]}, "class": class}),
            &[]
        ),
        tool(
            "student_balance",
            "A student's fee balance",
            json!({"student": student}),
            &["student"]
        ),
        tool(
            "class_balance",
            "How much a class owes",
            json!({"class": class}),
            &["class"]
        ),
        tool(
            "collections",
            "How much was collected in a term",
            json!({"term": term, "year": year}),
            &[]
        ),
    ])
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvoiceArgs {
    class: Option<String>,
    student: Option<String>,
    term: Option<i16>,
    year: Option<i32>,
    #[serde(default)]
    include_optional: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentArgs {
    student: String,
    amount: Money,
    method: Method,
    txn_ref: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyArgs {
    channel: Option<Channel>,
    class: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StudentArgs {
    student: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassArgs {
    class: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermArgs {
    term: Option<i16>,
    year: Option<i32>,
}

/// The request a tool call makes, if its arguments are valid.
pub fn intent(call: &ToolCall) -> Option<Intent> {
    let args = call.function.arguments.clone();
    let intent = match call.function.name.as_str() {
        "generate_invoices" => {
            let a: InvoiceArgs = serde_json::from_value(args).ok()?;
            let target = match (text(a.class), text(a.student)) {
                (Some(class), None) => Target::Class(class),
                (None, Some(student)) => Target::Student(student_ref(&student)),
                _ => return None,
            };
            Intent::GenerateInvoices {
                target,
                term: a.term,
                year: a.year,
                include_optional: a.include_optional,
            }
        }
        "record_payment" => {
            let a: PaymentArgs = serde_json::from_value(args).ok()?;
            if a.amount.decimal() <= rust_decimal::Decimal::ZERO {
                return None;
            }
            Intent::RecordPayment {
                student: student_ref(&text(Some(a.student))?),
                amount: a.amount,
                method: Some(a.method),
                txn_ref: text(a.txn_ref).map(|r| r.to_uppercase()),
                invoice_number: None,
            }
        }
        "notify_balances" => {
            let a: NotifyArgs = serde_json::from_value(args).ok()?;
            Intent::NotifyBalances {
                channel: a.channel,
                class: text(a.class),
            }
        }
        "student_balance" => {
            let a: StudentArgs = serde_json::from_value(args).ok()?;
            Intent::StudentBalance {
                student: student_ref(&text(Some(a.student))?),
            }
        }
        "class_balance" => {
            let a: ClassArgs = serde_json::from_value(args).ok()?;
            Intent::ClassBalance {
                class: text(Some(a.class))?,
            }
        }
        "collections" => {
            let a: TermArgs = serde_json::from_value(args).ok()?;
            Intent::Collections {
                term: a.term,
                year: a.year,
            }
        }
        _ => return None,
    };
    valid_when(&intent).then_some(intent)
}

fn valid_when(intent: &Intent) -> bool {
    let term_ok = |t: &Option<i16>| t.is_none_or(|t| (1..=3).contains(&t));
    let year_ok = |y: &Option<i32>| y.is_none_or(|y| (2000..=2100).contains(&y));
    match intent {
        Intent::GenerateInvoices { term, year, .. } | Intent::Collections { term, year } => {
            term_ok(term) && year_ok(year)
        }
        _ => true,
    }
}

fn text(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty() && v.chars().count() <= 120 && !v.chars().any(char::is_control))
}

/// A word with a digit is an admission number; anything else a name.
fn student_ref(student: &str) -> StudentRef {
    if !student.contains(' ') && student.chars().any(|c| c.is_ascii_digit()) {
        StudentRef::AdmissionNo(student.to_uppercase())
    } else {
        StudentRef::Name(student.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ollama::FunctionCall;

    fn call(name: &str, arguments: Value) -> ToolCall {
        ToolCall {
            function: FunctionCall {
                name: name.into(),
                arguments,
            },
        }
    }

    #[test]
    fn valid_tool_calls_become_the_same_requests_as_typed_ones() {
        assert_eq!(
            intent(&call(
                "record_payment",
                json!({"student": "adm-2025-001", "amount": "10000", "method": "MPESA", "txn_ref": "qkh94m1z11"})
            )),
            Some(Intent::RecordPayment {
                student: StudentRef::AdmissionNo("ADM-2025-001".into()),
                amount: Money::parse("10000").unwrap(),
                method: Some(Method::Mpesa),
                txn_ref: Some("QKH94M1Z11".into()),
                invoice_number: None,
            })
        );
        assert_eq!(
            intent(&call(
                "generate_invoices",
                json!({"class": "Grade 4 East", "term": 2})
            )),
            Some(Intent::GenerateInvoices {
                target: Target::Class("Grade 4 East".into()),
                term: Some(2),
                year: None,
                include_optional: vec![],
            })
        );
        assert_eq!(
            intent(&call("student_balance", json!({"student": "John Doe"}))),
            Some(Intent::StudentBalance {
                student: StudentRef::Name("John Doe".into())
            })
        );
    }

    #[test]
    fn garbled_tool_calls_are_refused() {
        let refused = [
            call(
                "record_payment",
                json!({"student": "ADM-1", "amount": "-5", "method": "CASH"}),
            ),
            call(
                "record_payment",
                json!({"student": "ADM-1", "amount": "10.001", "method": "CASH"}),
            ),
            call(
                "record_payment",
                json!({"student": "ADM-1", "amount": "100", "method": "BITCOIN"}),
            ),
            call(
                "record_payment",
                json!({"student": "ADM-1", "amount": "100"}),
            ),
            call("record_payment", json!("pay 100")),
            call(
                "generate_invoices",
                json!({"class": "Grade 4", "student": "ADM-1"}),
            ),
            call("generate_invoices", json!({"class": "Grade 4", "term": 7})),
            call(
                "generate_invoices",
                json!({"class": "Grade 4", "school_id": "x"}),
            ),
            call("class_balance", json!({"class": "   "})),
            call("drop_tables", json!({})),
        ];
        for tool_call in &refused {
            assert_eq!(intent(tool_call), None, "{tool_call:?}");
        }
    }

    #[test]
    fn every_tool_is_a_function_with_an_object_schema() {
        let tools = definitions();
        let names: Vec<&str> = tools
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                assert_eq!(t["type"], "function");
                assert_eq!(t["function"]["parameters"]["type"], "object");
                t["function"]["name"].as_str().unwrap()
            })
            .collect();
        assert_eq!(
            names,
            [
                "generate_invoices",
                "record_payment",
                "notify_balances",
                "student_balance",
                "class_balance",
                "collections"
            ]
        );
    }
}
