//! A time limit for a whole test, so a hung call fails the test instead of the CI job.

use std::{future::Future, time::Duration};

/// Runs `test` for at most `limit`; panics naming `what` if it takes longer. Keep the nodes the
/// test drives outside `test` (borrowed by it): the panic then happens while they are alive, and
/// their logs are kept for inspection as with any other failure.
pub async fn within<T>(limit: Duration, what: &str, test: impl Future<Output = T>) -> T {
	tokio::time::timeout(limit, test)
		.await
		.unwrap_or_else(|_| panic!("{what} took longer than {limit:?}"))
}
