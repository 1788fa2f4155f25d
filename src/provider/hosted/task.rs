//! A hosted task's life after submission, as one figure's build sees it: the claim that
//! keeps two builds from paying twice (`Journal::claim`), the journal entry of a submitted
//! task, and polling (or waiting for the service's callback) until the task is done, fails,
//! or outlives the figure's timeout, when it is left running for the next build to resume.

use super::HostedProvider;
use super::http::{Client, HostedError};
use super::journal::{self, ClaimError, Entry};
use super::limits::{Deadline, secs};
use super::service::{Image, Poll};
use crate::digest::Digest;
use crate::model::ProviderError;

impl HostedProvider {
    /// Claims the submission of `key` against other builds (see `Journal::claim`).
    pub(super) fn claim(
        &self,
        key: &Digest,
        deadline: Deadline,
        on_stage: &dyn Fn(&str),
    ) -> Result<journal::Claim, ProviderError> {
        let on_wait = || on_stage("waiting for another paperfig build that is submitting this figure");
        self.journal.claim(key, deadline.at, &on_wait).map_err(|e| {
            let hint = match e {
                ClaimError::Io { .. } => "check that the cache folder is writable; nothing was submitted".to_string(),
                ClaimError::Busy { .. } => format!(
                    "nothing was submitted; run gen again once the other build is done (timeout = {} s)",
                    self.config.timeout_secs
                ),
            };
            ProviderError::new(format!("{}: {e}", self.name)).hint(hint)
        })
    }

    /// Journals the task `id` submitted for `key`.
    pub(super) fn record(&self, key: &Digest, id: &str) -> Result<(), ProviderError> {
        let entry = Entry {
            service: self.config.service.clone(),
            base_url: self.config.base_url.clone(),
            task_id: id.to_string(),
            submitted_at: journal::now_unix(),
        };
        self.journal.record(key, &entry).map_err(|e| {
            ProviderError::new(format!(
                "{}: task {id} was submitted but cannot be recorded in the journal: {e}",
                self.name
            ))
            .hint("check that the cache folder is writable; the next build submits again")
        })
    }

    /// Polls `task` until it finishes or the deadline comes.
    pub(super) fn wait(
        &self,
        client: &Client,
        task: &str,
        deadline: &Deadline,
        on_stage: &dyn Fn(&str),
        woken: &mut bool,
    ) -> Result<Image, HostedError> {
        let mut last_stage: Option<String> = None;
        loop {
            if deadline.left().is_zero() {
                return Err(self.unfinished(task, "no time was left for another poll"));
            }
            // out of time during a poll (a wait it asked for, or no answer by the deadline):
            // still a task that did not finish in time, with the reason inside
            let polled = self.service.poll(client, task).map_err(|e| match e {
                HostedError::Timeout(why) => {
                    let why = why.strip_prefix(&format!("{}: ", self.name)).unwrap_or(&why).to_string();
                    self.unfinished(task, &why)
                }
                e => e,
            });
            match polled? {
                Poll::Done(image) => return Ok(image),
                Poll::Failed(why) => return Err(HostedError::Task(format!("{}: task {task} {why}", self.name))),
                Poll::Running { stage } => {
                    if stage.is_some() && stage != last_stage {
                        on_stage(stage.as_deref().unwrap_or_default());
                        last_stage = stage;
                    }
                }
            }
            self.pause_between_polls(task, deadline, woken)?;
        }
    }

    /// Sleeps one poll interval, or fails at once when the next poll would come after the
    /// deadline (the task keeps running, and its journal entry stays for the next build).
    /// With callbacks, waits for the task's callback instead, up to `webhook_poll` (or
    /// until the deadline, then polls a last time); once one came (`woken`), polls go at the
    /// documented cadence, in case the service is slower to show the result than to call.
    pub(super) fn pause_between_polls(
        &self,
        task: &str,
        deadline: &Deadline,
        woken: &mut bool,
    ) -> Result<(), HostedError> {
        // A rejected callback (a wrong secret, most likely) means callbacks may never get
        // through: the documented cadence then, with a notice.
        let rejected = self.callbacks().is_some_and(|l| l.counts().1 > 0);
        if rejected && !self.warned_callbacks.swap(true, std::sync::atomic::Ordering::Relaxed) {
            let notice = format!(
                "{}: a callback was rejected (a bad or missing signature: check that webhook_secret_env holds \
                 the key's webhook_secret); its figures are polled every {} instead",
                self.name,
                secs(self.documented_poll_interval())
            );
            self.notices.lock().unwrap_or_else(|p| p.into_inner()).push(notice);
        }
        if let Some(listener) = self.callbacks().filter(|_| !*woken && !rejected) {
            let left = deadline.left();
            if left.is_zero() {
                return Err(self.unfinished(task, "no callback came and no time was left for another poll"));
            }
            *woken = listener.wait(task, self.poll_interval().min(left));
            return Ok(());
        }
        let interval = self.documented_poll_interval();
        if !deadline.allows(interval) {
            let why = format!("the next poll, in {}, would come after the figure's timeout", secs(interval));
            return Err(self.unfinished(task, &why));
        }
        std::thread::sleep(interval);
        Ok(())
    }

    /// A submitted task that is still running when the figure's time is up.
    pub(super) fn unfinished(&self, task: &str, why: &str) -> HostedError {
        HostedError::Timeout(format!(
            "{}: task {task} did not finish within {} s ({why}); it keeps running and the next build resumes it",
            self.name, self.config.timeout_secs
        ))
    }
}
