//! Sending email: SMTP through lettre when SMTP_URL is set, otherwise .eml
//! files under MAIL_DIR (the development default, so the stack runs with
//! nothing else installed).

use std::time::Duration;

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use shared::config::MailConfig;

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

/// Why a message was not sent, and whether trying again can help.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct SendError {
    pub reason: String,
    pub permanent: bool,
}

impl Mailer {
    pub fn new(config: &MailConfig) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM {:?}: {e}", config.from))?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(15)))
                    .build(),
            ),
            None => {
                std::fs::create_dir_all(&config.dir).map_err(|e| {
                    anyhow::anyhow!("creating MAIL_DIR {}: {e}", config.dir.display())
                })?;
                Transport::Files(AsyncFileTransport::new(&config.dir))
            }
        };
        Ok(Self { from, transport })
    }

    pub fn describe(&self) -> &'static str {
        match self.transport {
            Transport::Smtp(_) => "smtp",
            Transport::Files(_) => "eml files",
        }
    }

    /// Sends one message; `message_id` makes a resend recognisable.
    pub async fn send(
        &self,
        sender_name: &str,
        to: &str,
        subject: &str,
        body: &str,
        message_id: &str,
    ) -> Result<(), SendError> {
        let permanent = |reason: String| SendError {
            reason,
            permanent: true,
        };
        let to: Mailbox = to
            .parse()
            .map_err(|e| permanent(format!("recipient address {to:?}: {e}")))?;
        let from = Mailbox::new(Some(sender_name.to_string()), self.from.email.clone());
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .message_id(Some(message_id.to_string()))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| permanent(format!("building the message: {e}")))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| SendError {
                permanent: e.is_permanent(),
                reason: format!("smtp: {e}"),
            }),
            Transport::Files(files) => files.send(message).await.map(drop).map_err(|e| SendError {
                permanent: false,
                reason: format!("writing .eml: {e}"),
            }),
        }
    }
}
