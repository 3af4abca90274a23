//! A miner node reports metrics signed with its own network key: feeless as a general
//! transaction (no account, no fee), or relayed by any account that pays the fee. Replayed,
//! tampered and forged reports are refused: by the transaction pool for the feeless path, with
//! `Compute::InvalidSignature` for the relayed one.

use std::time::Duration;

use compute_e2e_tests::{
	compute_call, connect, dev, finalized_at_least, general_transaction, hex, hex_bytes, ipv4,
	metrics_value, node_bin, plan_spec, submit_bytes_finalized, submit_finalized, value_bytes,
	within, At, Client, ClientAt, FinalizedTx, Node, NodeKey, TestDir, TxError, Value,
};
use serde_json::json;
use subxt::transactions::{TransactionInvalid, ValidationResult};

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// Until a submitted transaction is finalized.
const TX: Duration = Duration::from_secs(90);
/// The whole test (about 1.5 minutes here); every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(600);
/// The node's libp2p key (`--node-key`); the miner registers the node under its peer id.
const NODE_KEY: &str = "00000000000000000000000000000000000000000000000000000000000000aa";

/// The pool's verdict on `transaction` at the finalized head.
async fn validate(at: &ClientAt, transaction: Vec<u8>) -> ValidationResult {
	at.transactions()
		.from_bytes(transaction)
		.validate()
		.await
		.expect("TaggedTransactionQueue_validate_transaction")
}

/// The fee `TransactionPayment::TransactionFeePaid` charged, and who paid it, if any.
fn fee_paid(tx: &FinalizedTx) -> Option<(Vec<u8>, u128)> {
	let fee = tx.event("TransactionPayment", "TransactionFeePaid")?;
	let who = value_bytes(fee.fields.at("who")?);
	Some((who, fee.fields.at("actual_fee").and_then(Value::as_u128)?))
}

/// Runs `compute-node key sign-node-registration` on a key file holding [`NODE_KEY`], checks
/// the node id it prints and returns the proof.
fn sign_registration_with_the_cli(account: &str, genesis: [u8; 32]) -> [u8; 64] {
	let dir = TestDir::new("node-registration");
	let key_file = dir.path().join("node-key");
	std::fs::write(&key_file, NODE_KEY).expect("write the node key file");
	let output = std::process::Command::new(node_bin())
		.args(["key", "sign-node-registration", "--account", account, "--genesis-hash"])
		.arg(hex(&genesis))
		.arg("--node-key-file")
		.arg(&key_file)
		.output()
		.expect("run compute-node key sign-node-registration");
	let stdout = String::from_utf8_lossy(&output.stdout);
	assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
	let field = |label: &str| {
		stdout
			.lines()
			.find_map(|line| line.strip_prefix(label))
			.map(str::trim)
			.unwrap_or_else(|| panic!("no `{label}` in {stdout}"))
			.to_string()
	};
	let key = NodeKey::from_node_key_hex(NODE_KEY);
	assert_eq!(field("node id (peer id):"), key.peer_id());
	assert_eq!(field("node id (hex):"), hex(&key.node_id()));
	let proof = hex_bytes(&field("proof:"));
	proof.try_into().expect("a 64-byte signature")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_reports_metrics_signed_with_its_network_key() {
	let mut node = Node::start("node-reports", &["--dev", "--node-key", NODE_KEY]);
	within(WHOLE_TEST, "the node-reports test", node_reports(&mut node)).await;
}

async fn node_reports(node: &mut Node) {
	node.wait_ready(READY).await;
	let client = connect(node).await;
	let key = NodeKey::from_node_key_hex(NODE_KEY);
	// The node id the chain derives the key from is the node's own libp2p identity.
	assert_eq!(node.rpc("system_localPeerId", json!([])).await, json!(key.peer_id()));
	let node_id = hex(&key.node_id());

	let miner = dev::bob();
	let capacity = plan_spec(16, 65_536, 1_000, 1_000, 0);
	let ip = ipv4([10, 0, 0, 9]);
	// The operator signs the registration proof with `compute-node key sign-node-registration`
	// from the node's key file; the library's own signature must be the same.
	let genesis = client.genesis_hash().0;
	let proof =
		sign_registration_with_the_cli(&miner.public_key().to_account_id().to_string(), genesis);
	assert_eq!(proof, key.registration_proof(genesis, miner.public_key().0));
	let proof = Value::from_bytes(proof);
	let registered = compute_call(
		&client,
		&miner,
		"register_miner_node",
		vec![Value::from_bytes(key.node_id()), capacity, ip, proof],
		TX,
	)
	.await;
	// Feeless: a general transaction without signature, authorized by the report's signature.
	// A node reports about blocks after its registration.
	let at = finalized_at_least(&client, registered.block_number + 1, TX).await;
	let signed_at = at.block_number();
	let call = key.report_call(&at, signed_at, metrics_value("AMD EPYC 9654", 2), false);
	let feeless = general_transaction(&at, &call);
	match validate(&at, feeless.clone()).await {
		ValidationResult::Valid(valid) => {
			assert_eq!(valid.priority, 0, "node reports rank below every paid transaction");
			assert!(valid.requires.is_empty());
			assert_eq!(valid.provides.len(), 1, "one report per node in the pool");
		},
		other => panic!("a well-signed report must be valid: {other:?}"),
	}
	let tx = submit_bytes_finalized(&client, feeless.clone(), "feeless report", TX)
		.await
		.unwrap_or_else(|e| panic!("feeless report: {e}"));
	let reported = tx.event("Compute", "NodeMetricsReported").expect("NodeMetricsReported");
	assert_eq!(reported.fields.at("node_id").map(value_bytes), Some(key.node_id()));
	assert_eq!(fee_paid(&tx), None, "a node-signed report pays no fee: {:?}", tx.events);
	let metrics = node.rpc("compute_getNodeMetrics", json!([node_id])).await;
	assert_eq!(metrics["cpuModel"], "AMD EPYC 9654");
	assert_eq!(metrics["vmCount"], 2);
	// The metrics are from the block the node made the report at.
	assert_eq!(metrics["lastUpdated"].as_u64(), Some(signed_at));

	// The same bytes again, at the block that stored them, are a replay: stale (checked there,
	// well inside the report's 10-block window, however far finality has moved on since).
	let in_block = client.at_block(tx.block_hash).await.expect("client at the report's block");
	assert_eq!(
		validate(&in_block, feeless.clone()).await,
		ValidationResult::Invalid(TransactionInvalid::Stale)
	);
	// Later checks sign at a block after the stored report, so only the signature can be wrong.
	let at = finalized_at_least(&client, tx.block_number + 1, TX).await;
	// A changed signature is a bad proof, and the pool refuses it outright.
	let call = key.report_call(&at, at.block_number(), metrics_value("forged", 0), true);
	let forged = general_transaction(&at, &call);
	assert_eq!(
		validate(&at, forged.clone()).await,
		ValidationResult::Invalid(TransactionInvalid::BadProof)
	);
	let refused = submit_bytes_finalized(&client, forged, "forged report", TX).await;
	assert!(matches!(refused, Err(TxError::Other(_))), "the pool must refuse it: {refused:?}");

	// Relayed: any account may submit a node's report as a signed transaction and pay for it.
	let relayer = dev::charlie();
	let (report, bad_signature) =
		key.signed_report(&at, at.block_number(), metrics_value("forged", 0), true);
	let err = relay(&client, &relayer, report, bad_signature).await.expect_err("forged");
	assert!(
		matches!(&err, TxError::Dispatch(e) if e == "Compute::InvalidSignature"),
		"unexpected error: {err}"
	);
	let at = client.at_current_block().await.expect("client at finalized head");
	let relayed_at = at.block_number();
	let (report, signature) =
		key.signed_report(&at, relayed_at, metrics_value("AMD EPYC 9755", 3), false);
	let tx = relay(&client, &relayer, report, signature)
		.await
		.unwrap_or_else(|e| panic!("{e}"));
	assert!(tx.event("Compute", "NodeMetricsReported").is_some());
	let (payer, fee) = fee_paid(&tx).expect("a relayed report pays a fee");
	assert_eq!(payer, relayer.public_key().0.to_vec());
	assert!(fee > 0);
	let metrics = node.rpc("compute_getNodeMetrics", json!([node_id])).await;
	assert_eq!(metrics["cpuModel"], "AMD EPYC 9755");
	assert_eq!(metrics["lastUpdated"].as_u64(), Some(relayed_at));
}

async fn relay(
	client: &Client,
	relayer: &subxt_signer::sr25519::Keypair,
	report: Value,
	signature: [u8; 64],
) -> Result<FinalizedTx, TxError> {
	submit_finalized(
		client,
		relayer,
		"Compute",
		"report_signed_node_metrics",
		vec![report, Value::from_bytes(signature)],
		TX,
	)
	.await
}
