//! Time limits: for a whole test, so a hung call fails the test instead of the CI job, and for
//! a condition a test waits for.

use std::{
	future::Future,
	time::{Duration, Instant},
};

/// Runs `test` for at most `limit`; panics naming `what` if it takes longer. Keep the nodes the
/// test drives outside `test` (borrowed by it): the panic then happens while they are alive, and
/// their logs are kept for inspection as with any other failure.
pub async fn within<T>(limit: Duration, what: &str, test: impl Future<Output = T>) -> T {
	tokio::time::timeout(limit, test)
		.await
		.unwrap_or_else(|_| panic!("{what} took longer than {limit:?}"))
}

/// Polls `check` every second until it returns `Some`, or panics after `timeout` naming `what`.
pub async fn until<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
	F: FnMut() -> Fut,
	Fut: Future<Output = Option<T>>,
{
	let started = Instant::now();
	loop {
		if let Some(value) = check().await {
			return value;
		}
		assert!(started.elapsed() < timeout, "{what}: not within {timeout:?}");
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}
