//! Chat sessions and their messages as the chat, the api and the worker
//! use them; the rows and their queries live in `domain::chat`.

pub use crate::domain::chat::{
    ChatMessage, ChatSession, Exchange, MAX_CONTENT_CHARS, MessageRole, MessageStatus, NewMessage,
    NewSession, claim, complete, create, fail, fail_unfinished, get, history, insert_answer, list,
    lock_message, messages, open_proposal, owner, post, question_of, reset_for_retry, set_action,
    supersede_proposals,
};
