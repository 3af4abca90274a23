//! The node's JSON-RPC extensions, on top of the standard Substrate methods: `system_*` account
//! nonces, `payment_*` fee queries and the compute chain's `compute_*` methods.

use std::sync::Arc;

use compute_runtime::{
	configs::{MaxNodeIdLen, MaxStringLen},
	opaque::Block,
	AccountId, Balance, BlockNumber, Nonce,
};
use jsonrpsee::RpcModule;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

/// What the RPC extensions need from the node.
pub struct FullDeps<C, P> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
}

/// All RPC extensions of a full node.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: pallet_compute_rpc::ComputeRuntimeApi<
		Block,
		AccountId,
		Balance,
		BlockNumber,
		MaxStringLen,
		MaxNodeIdLen,
	>,
	C::Api: BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use pallet_compute_rpc::{Compute, ComputeApiServer};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(
		Compute::<_, Block, AccountId, Balance, BlockNumber, MaxStringLen, MaxNodeIdLen>::new(
			client,
		)
		.into_rpc(),
	)?;

	Ok(module)
}
