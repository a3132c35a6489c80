//! The words of a fee reminder: each of the guardian's students with what
//! they owe, in a tone that firms up with each reminder about the same
//! open invoices.

use crate::domain::money::Money;

/// One student in a reminder.
#[derive(Debug, Clone)]
pub struct Owing {
    pub name: String,
    pub admission_no: String,
    pub balance: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub body: String,
}

/// `reminder_no` counts reminders about these invoices, this one included.
pub fn write(
    school: &str,
    guardian_first_name: &str,
    students: &[Owing],
    total: Money,
    reminder_no: i32,
) -> Letter {
    let lines: String = students
        .iter()
        .map(|s| {
            format!(
                "- {} (admission no. {}): KES {}\n",
                s.name,
                s.admission_no,
                shillings(s.balance)
            )
        })
        .collect();
    let total_line = if students.len() > 1 {
        format!("Total: KES {}\n", shillings(total))
    } else {
        String::new()
    };
    let (subject, opening, closing) = match reminder_no {
        ..=1 => (
            format!("{school}: school fees reminder"),
            "This is a friendly reminder that the following school fees are outstanding:"
                .to_string(),
            "Please pay at your earliest convenience.".to_string(),
        ),
        2 => (
            format!("{school}: second reminder, school fees overdue"),
            "Our records show that the following school fees are still outstanding after our \
             earlier reminder:"
                .to_string(),
            "Please pay within the next seven days, or contact the bursar if you need to agree \
             a payment plan."
                .to_string(),
        ),
        n => (
            format!("{school}: final reminder, school fees overdue"),
            format!(
                "Despite {} earlier reminders, the following school fees remain unpaid:",
                n - 1
            ),
            "Please pay immediately or contact the bursar today to agree a payment plan."
                .to_string(),
        ),
    };
    let body = format!(
        "Dear {guardian_first_name},\n\n{opening}\n\n{lines}{total_line}\n{closing} \
         When paying by M-Pesa, use the admission number as the account number. If you \
         have paid in the last few days, thank you, and please ignore this message.\n\n\
         {school}\n"
    );
    Letter { subject, body }
}

/// 18500.00 as 18,500.00.
fn shillings(amount: Money) -> String {
    let text = amount.to_string();
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |d| ("-", d));
    let (whole, cents) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}.{cents}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn akinyi() -> Vec<Owing> {
        vec![
            Owing {
                name: "Akinyi Otieno".into(),
                admission_no: "ADM-001".into(),
                balance: Money::parse("18500").unwrap(),
            },
            Owing {
                name: "Baraka Otieno".into(),
                admission_no: "ADM-002".into(),
                balance: Money::parse("2500.50").unwrap(),
            },
        ]
    }

    #[test]
    fn each_student_and_balance_is_in_the_text() {
        let letter = write(
            "Imara Academy",
            "Jane",
            &akinyi(),
            Money::parse("21000.50").unwrap(),
            1,
        );
        assert!(letter.body.starts_with("Dear Jane,"));
        assert!(
            letter
                .body
                .contains("- Akinyi Otieno (admission no. ADM-001): KES 18,500.00")
        );
        assert!(
            letter
                .body
                .contains("- Baraka Otieno (admission no. ADM-002): KES 2,500.50")
        );
        assert!(letter.body.contains("Total: KES 21,000.50"));
        assert!(letter.body.contains("friendly reminder"));
    }

    #[test]
    fn the_tone_firms_up_with_each_reminder() {
        let total = Money::parse("21000.50").unwrap();
        let subjects: Vec<String> = (1..=4)
            .map(|n| write("Imara", "Jane", &akinyi(), total, n).subject)
            .collect();
        assert_eq!(subjects[0], "Imara: school fees reminder");
        assert_eq!(subjects[1], "Imara: second reminder, school fees overdue");
        assert_eq!(subjects[2], "Imara: final reminder, school fees overdue");
        assert!(
            write("Imara", "Jane", &akinyi(), total, 4)
                .body
                .contains("Despite 3 earlier reminders")
        );
    }

    #[test]
    fn shillings_are_grouped_in_thousands() {
        for (amount, text) in [
            ("0", "0.00"),
            ("999", "999.00"),
            ("1000", "1,000.00"),
            ("1234567.5", "1,234,567.50"),
        ] {
            assert_eq!(shillings(Money::parse(amount).unwrap()), text);
        }
    }
}
