//! What the assistant says about the language model: an answer it could
//! not make, and why a message failed.

use super::Lang;
use crate::ollama::OllamaError;

/// The model answered with neither text nor a request it could run.
pub fn no_answer(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "I couldn't work that out. Try asking directly, for example \"what is the balance for ADM-2025-001?\"."
        }
        Lang::Sw => {
            "Sikuweza kuelewa hilo. Jaribu kuuliza moja kwa moja, kwa mfano \"salio la ADM-2025-001 ni kiasi gani?\"."
        }
    }
}

/// Why a message failed when the model did.
pub fn model_failed(lang: Lang, error: &OllamaError) -> String {
    let why = match (lang, error) {
        (Lang::En, OllamaError::Unreachable(_)) => {
            "the assistant's language model is not reachable".to_string()
        }
        (Lang::En, OllamaError::SlowStart(wait)) => format!(
            "the assistant's language model did not start answering within {} s",
            wait.as_secs()
        ),
        (Lang::En, OllamaError::Stalled(wait)) => format!(
            "the assistant's language model stopped answering for {} s",
            wait.as_secs()
        ),
        (Lang::En, other) => format!("the assistant's language model failed: {other}"),
        (Lang::Sw, OllamaError::Unreachable(_)) => {
            "modeli ya lugha ya msaidizi haipatikani".to_string()
        }
        (Lang::Sw, OllamaError::SlowStart(wait)) => format!(
            "modeli ya lugha ya msaidizi haikuanza kujibu ndani ya sekunde {}",
            wait.as_secs()
        ),
        (Lang::Sw, OllamaError::Stalled(wait)) => format!(
            "modeli ya lugha ya msaidizi iliacha kujibu kwa sekunde {}",
            wait.as_secs()
        ),
        (Lang::Sw, other) => format!("modeli ya lugha ya msaidizi imeshindwa: {other}"),
    };
    match lang {
        Lang::En => format!(
            "{why}. Retry in a moment; requests like \"what is the balance for ADM-2025-001?\" still work."
        ),
        Lang::Sw => format!(
            "{why}. Jaribu tena baada ya muda mfupi; maombi kama \"salio la ADM-2025-001\" bado yanafanya kazi."
        ),
    }
}

/// The user who asked has left the school since.
pub fn no_longer_a_member(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "you are no longer a member of this school",
        Lang::Sw => "wewe si mwanachama wa shule hii tena",
    }
}

/// The answer's job gave up after its retries.
pub fn gave_up(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "something went wrong while answering; retry the message",
        Lang::Sw => "hitilafu imetokea wakati wa kujibu; tuma ujumbe tena",
    }
}
