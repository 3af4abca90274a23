//! Creating the VM of an `InProgress` request: fetch its image and user data, take its address
//! from the pool, choose its ports, write its disk and seed, boot it, and fulfil the request;
//! or report the request failed when it cannot be served.

use std::{
	collections::BTreeSet,
	net::{IpAddr, Ipv4Addr},
};

use super::{bounded_bytes, local_vms, Agent};
use crate::{
	chain::{self, runtime, Hosted},
	reserve::Reservation,
	seed::{Seed, MAX_USER_DATA},
	vm::{self, Accel, Nic, VmConfig, VmDir},
};

/// Tries at taking an address from the pool before giving up for this block.
pub(super) const ADDRESS_TRIES: usize = 5;

impl Agent {
	/// Creates the VM of an `InProgress` request, or carries on creating it, then fulfils it.
	/// A broken image or a guest that does not boot is reported as the request's failure.
	pub(super) async fn provision(&self, request: &Hosted) -> Result<(), chain::Error> {
		let id = request.request_id;
		let dir = VmDir::new(&self.vms_dir, id);
		let config = match dir.load_config()? {
			Some(config) => config,
			None => match self.prepare(request, &dir).await {
				Ok(config) => config,
				Err(Prepare::Failed(reason)) => {
					return self.fail(request, &dir, None, &reason).await
				},
				Err(Prepare::Retry(error)) => return Err(error),
			},
		};
		if let Err(reason) = self.ensure_booted(&config, &dir).await {
			return self.fail(request, &dir, Some(&config), &reason).await;
		}
		// The boot may have moved the VM to other ports (see `start_user_mode`).
		let config = dir.load_config()?.unwrap_or(config);
		// A VM made from a best block has the address that block gave it. After a reorg the
		// chain may have another one for it, or none (the fulfilment would then take the next
		// free one): the VM is fulfilled only with its own, and else made again.
		let ip = self.chain().hosted_at_best(&self.node_id, id).await?.and_then(|h| h.ip);
		if ip != Some(IpAddr::V4(config.address)) {
			self.destroy(id).await;
			return Err(format!(
				"the chain's address for the VM is {}, not {}: it is made again",
				ip.map_or("none".to_string(), |ip| ip.to_string()),
				config.address
			)
			.into());
		}
		let call = runtime::tx().compute().fulfill_compute_request(
			self.node(),
			id,
			Some(bounded_bytes(config.name())),
			Some(chain::ip_address(self.config.hypervisor_ip)),
			Some(config.vnc_port()),
		);
		self.chain().submit(&call, Some(request.read_at)).await
	}

	/// Fetches what a new VM needs, takes its address and writes its files.
	async fn prepare(&self, request: &Hosted, dir: &VmDir) -> Result<VmConfig, Prepare> {
		// An image larger than the plan's disk could not be used anyway: its fetch stops there.
		let limit = u64::from(request.spec.storage_gb).saturating_mul(crate::image::GIB);
		let boot = self
			.fetcher
			.boot_of(&request.image_url, limit)
			.await
			.map_err(|e| Prepare::Failed(e.to_string()))?;
		let user_data = match &request.cloud_init {
			Some(source) => self
				.fetcher
				.fetch_bytes(source, MAX_USER_DATA)
				.await
				.map_err(|e| Prepare::Failed(format!("user data: {e}")))?,
			None => Vec::new(),
		};
		let address = match request.ip {
			Some(IpAddr::V4(ip)) if !self.address_usable(ip) => {
				return Err(Prepare::Failed(format!(
					"address {ip} is not one this miner's network can route to a VM"
				)))
			},
			Some(IpAddr::V4(ip)) => ip,
			Some(ip) => {
				return Err(Prepare::Failed(format!("address {ip}: VMs take IPv4 addresses")))
			},
			None => self.take_address(request).await.map_err(Prepare::Retry)?,
		};
		// Reserved until the configuration below, which claims them, is saved. A VM on a tap
		// needs no host forward.
		let (nic, prefix, gateway, nameservers) = match self.new_nic(request.request_id) {
			Ok(routed) => routed,
			Err(_) if self.routed.is_none() => {
				let (gateway, dns) = vm::user_network(address);
				(Nic::User, 24, gateway, vec![dns])
			},
			Err(reason) => return Err(Prepare::Failed(reason)),
		};
		let (vnc, forward) = self
			.ports(nic == Nic::User)
			.ok_or_else(|| Prepare::Retry("no free VNC or forward port".into()))?;
		let vnc_port = vnc.item;
		let forward_port = forward.as_ref().map_or(0, |forward| forward.item);
		let config = VmConfig {
			request_id: request.request_id,
			vcpus: request.spec.vcpus,
			memory_mb: request.spec.memory_mb,
			storage_gb: request.spec.storage_gb,
			boot,
			address,
			vnc_display: vnc_port.saturating_sub(crate::config::VNC_BASE_PORT),
			forward_port,
			accel: Accel::Tcg,
			nic,
			bandwidth_mbps: request.spec.bandwidth_mbps,
		};
		std::fs::create_dir_all(dir.root()).map_err(|e| Prepare::Retry(e.into()))?;
		let mac = config.mac();
		let seed =
			Seed { hostname: config.name(), address, mac, prefix, gateway, nameservers, user_data };
		seed.write(&dir.seed()).map_err(|e| Prepare::Retry(e.into()))?;
		vm::create_disk(&config, dir)
			.await
			.map_err(|e| Prepare::Retry(e.to_string().into()))?;
		dir.save_config(&config).map_err(|e| Prepare::Retry(e.into()))?;
		Ok(config)
	}

	/// Takes a free address from the pool for VM `request_id`, trying another one when another
	/// miner took it first. The agent's own VM tasks never try the same address at once: each
	/// reserves its candidate in `addresses_in_flight` until its transaction is final.
	async fn take_address(&self, request: &Hosted) -> Result<Ipv4Addr, chain::Error> {
		let request_id = request.request_id;
		for _ in 0..ADDRESS_TRIES {
			let free = self.free_addresses().await?;
			if free.is_empty() {
				return Err("no free address of the pool that this miner's network routes".into());
			}
			let Some(reservation) =
				Reservation::address(&self.addresses_in_flight, &free, request_id)
			else {
				return Err("every free address on the page is being taken by another VM".into());
			};
			let ip = reservation.item;
			match self
				.chain()
				.submit(&super::claims::assign_ip(request_id, ip), Some(request.read_at))
				.await
			{
				Ok(()) => return Ok(ip),
				Err(error) => tracing::info!(
					request = request_id,
					"address {ip} not taken ({error}); trying another"
				),
			}
		}
		Err("no address could be taken from the pool".into())
	}

	/// Whether this host's network can give a VM `ip` (any address in user mode; see
	/// [`crate::network::routed::Settings::usable`] in routed mode).
	pub(super) fn address_usable(&self, ip: Ipv4Addr) -> bool {
		self.routed.as_ref().is_none_or(|routed| routed.settings().usable(ip))
	}

	/// A free VNC port and (`with_forward`) a free forward port, used by no local VM and chosen
	/// by no other VM task; each stays reserved until the returned guards are dropped.
	pub(super) fn ports(
		&self,
		with_forward: bool,
	) -> Option<(Reservation<'_, u16>, Option<Reservation<'_, u16>>)> {
		let mut taken = BTreeSet::new();
		for id in local_vms(&self.vms_dir) {
			if let Ok(Some(config)) = VmDir::new(&self.vms_dir, id).load_config() {
				taken.insert(config.vnc_port());
				taken.insert(config.forward_port);
			}
		}
		let choose = |range: &std::ops::RangeInclusive<u16>| {
			Reservation::take(&self.ports_in_flight, |reserved| {
				crate::host::free_port(range, &taken.union(reserved).copied().collect())
			})
		};
		let vnc = choose(&self.config.vnc_ports.0)?;
		let forward = if with_forward { Some(choose(&self.config.forward_ports.0)?) } else { None };
		Some((vnc, forward))
	}

	/// Reports `request` failed with `reason` and removes everything made for it.
	pub(super) async fn fail(
		&self,
		request: &Hosted,
		dir: &VmDir,
		config: Option<&VmConfig>,
		reason: &str,
	) -> Result<(), chain::Error> {
		let id = request.request_id;
		tracing::warn!(request = id, "the VM failed: {reason}");
		if let Some(config) = config {
			vm::kill(config, dir).await?;
			// The failure is reported whatever is left on the host.
			if let Err(error) = self.release(config).await {
				tracing::warn!(
					request = id,
					"could not remove the VM's tap or control group: {error}"
				);
			}
		}
		dir.remove()?;
		let call = runtime::tx().compute().report_compute_request_failure(
			self.node(),
			id,
			bounded_bytes(truncate(reason, self.chain().limits().max_string_len)),
		);
		self.chain().submit(&call, Some(request.read_at)).await
	}
}

/// Why preparing a VM did not finish.
enum Prepare {
	/// The request cannot be served (the text is the reason reported on chain).
	Failed(String),
	/// Something local or on chain failed; the next block tries again.
	Retry(chain::Error),
}

/// A failure reason of at most `max` bytes (the chain's `MaxStringLen`), cut at a character.
fn truncate(reason: &str, max: u32) -> String {
	let mut out = String::new();
	for c in reason.chars() {
		if out.len() + c.len_utf8() > max as usize {
			break;
		}
		out.push(c);
	}
	out
}
