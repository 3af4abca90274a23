//! A minimal QMP client (QEMU's JSON machine protocol) over a VM's unix socket.

use std::{io, path::Path, time::Duration};

use serde_json::{json, Value};
use tokio::{
	io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
	net::UnixStream,
};

/// Longest wait for one QMP answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// An open QMP session, past the capabilities negotiation.
pub struct Qmp {
	reader: BufReader<tokio::net::unix::OwnedReadHalf>,
	writer: tokio::net::unix::OwnedWriteHalf,
}

fn protocol(message: impl Into<String>) -> io::Error {
	io::Error::new(io::ErrorKind::InvalidData, message.into())
}

impl Qmp {
	/// Connects to the QMP socket at `path` and leaves negotiation mode.
	pub async fn connect(path: &Path) -> io::Result<Qmp> {
		let stream = UnixStream::connect(path).await?;
		let (read, writer) = stream.into_split();
		let mut qmp = Qmp { reader: BufReader::new(read), writer };
		let greeting = qmp.next_message().await?;
		if greeting.get("QMP").is_none() {
			return Err(protocol(format!("not a QMP greeting: {greeting}")));
		}
		qmp.execute("qmp_capabilities", json!({})).await?;
		Ok(qmp)
	}

	/// Runs `command` with `arguments` and returns its `return` value; events received
	/// meanwhile are skipped.
	pub async fn execute(&mut self, command: &str, arguments: Value) -> io::Result<Value> {
		let mut line = json!({ "execute": command, "arguments": arguments }).to_string();
		line.push('\n');
		self.writer.write_all(line.as_bytes()).await?;
		loop {
			let message = self.next_message().await?;
			if let Some(value) = message.get("return") {
				return Ok(value.clone());
			}
			if let Some(error) = message.get("error") {
				return Err(io::Error::other(format!("QMP {command}: {error}")));
			}
		}
	}

	/// The VM's run state (`running`, `paused`, `shutdown`, ...).
	pub async fn status(&mut self) -> io::Result<String> {
		let status = self.execute("query-status", json!({})).await?;
		status["status"]
			.as_str()
			.map(str::to_owned)
			.ok_or_else(|| protocol("no status"))
	}

	async fn next_message(&mut self) -> io::Result<Value> {
		let mut line = String::new();
		let read =
			tokio::time::timeout(ANSWER_TIMEOUT, self.reader.read_line(&mut line))
				.await
				.map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "QMP answer timed out"))??;
		if read == 0 {
			return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "QMP socket closed"));
		}
		serde_json::from_str(&line).map_err(|e| protocol(format!("QMP: {e}: {line}")))
	}
}
