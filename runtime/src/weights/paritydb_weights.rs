
//! Database weights of `ParityDb`, measured on this machine by `scripts/benchmark.sh`
//! (`compute-node benchmark storage`). Do not edit by hand: rerun the script.
//!
//! CLI VERSION 64.0.0, DATE: 2026-12-02 (Y/M/D), HOSTNAME: `vm`, CPU: `Intel(R) Xeon(R) Processor`
//! STATE: block `Number(194)`, STATE-VERSION: `V1`, WARMUPS: `1`
//! METRIC: `Average` (the runtime adds `MEASURED_WEIGHT_MARGIN`)

// Executed Command:
//   /root/.cache/compute-chain/target/release/compute-node
//   benchmark
//   storage
//   --chain
//   dev
//   --base-path
//   /tmp/scale/node
//   --database
//   paritydb
//   --state-version
//   1
//   --batch-size
//   100
//   --template-path
//   scripts/db-weight-template.hbs
//   --weight-path
//   /tmp/scale/w-big

#![cfg_attr(rustfmt, rustfmt_skip)]

use frame_support::{
	parameter_types,
	weights::{constants::WEIGHT_REF_TIME_PER_NANOS, RuntimeDbWeight},
};

parameter_types! {
	/// Time to read and to write one storage item of the state above.
	pub const ParityDbWeight: RuntimeDbWeight = RuntimeDbWeight {
		// Read. Stats nanoseconds:
		//   Min, Max: 2_403, 6_772_076
		//   Average:  15_641
		//   Median:   14_012
		//   Std-Dev:  45244.07
		//   Percentiles 99th, 95th, 75th: 41_218, 22_133, 15_783
		read: 15_641 * WEIGHT_REF_TIME_PER_NANOS,
		// Write (including its share of the storage root). Stats nanoseconds:
		//   Min, Max: 38_893, 1_152_215
		//   Average:  117_798
		//   Median:   109_833
		//   Std-Dev:  65847.96
		//   Percentiles 99th, 95th, 75th: 360_230, 225_798, 129_774
		write: 117_798 * WEIGHT_REF_TIME_PER_NANOS,
	};
}
