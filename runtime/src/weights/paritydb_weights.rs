
//! Database weights of `ParityDb`, measured on this machine by `scripts/benchmark.sh`
//! (`compute-node benchmark storage`). Do not edit by hand: rerun the script.
//!
//! CLI VERSION 64.0.0, DATE: 2026-12-02 (Y/M/D), HOSTNAME: `vm`, CPU: `Intel(R) Xeon(R) Processor`
//! STATE: block `Number(0)`, STATE-VERSION: `V1`, WARMUPS: `1`
//! METRIC: `Average` (the runtime adds `MEASURED_WEIGHT_MARGIN`)

// Executed Command:
//   /root/.cache/compute-chain/target/release/compute-node
//   benchmark
//   storage
//   --chain
//   dev
//   --base-path
//   /tmp/tmp.Ob23hFFNCS
//   --database
//   paritydb
//   --state-version
//   1
//   --batch-size
//   100
//   --template-path
//   scripts/db-weight-template.hbs
//   --weight-path
//   runtime/src/weights

#![cfg_attr(rustfmt, rustfmt_skip)]

use frame_support::{
	parameter_types,
	weights::{constants::WEIGHT_REF_TIME_PER_NANOS, RuntimeDbWeight},
};

parameter_types! {
	/// Time to read and to write one storage item of the state above.
	pub const ParityDbWeight: RuntimeDbWeight = RuntimeDbWeight {
		// Read. Stats nanoseconds:
		//   Min, Max: 1_846, 5_433_571
		//   Average:  13_768
		//   Median:   5_534
		//   Std-Dev:  194595.17
		//   Percentiles 99th, 95th, 75th: 34_959, 11_123, 7_207
		read: 13_768 * WEIGHT_REF_TIME_PER_NANOS,
		// Write (including its share of the storage root). Stats nanoseconds:
		//   Min, Max: 12_754, 192_311
		//   Average:  39_282
		//   Median:   13_912
		//   Std-Dev:  62480.42
		//   Percentiles 99th, 95th, 75th: 192_311, 192_311, 15_723
		write: 39_282 * WEIGHT_REF_TIME_PER_NANOS,
	};
}
