//! Host driver for aggnic: register access to the core, over VFIO or the reference model.
//!
//! - [`RegisterAccess`]: the one trait every backend implements (32-bit words, 64-bit as two).
//! - [`ModelBackend`]: the in-process reference model, a stand-in until the sim crate's `SimNic`.
//! - [`SimSocketBackend`]: a card served by `aggnic sim serve`, over its control socket.
//! - [`vfio::VfioDevice`]: a card through VFIO; every syscall sits behind [`vfio::VfioSys`].
//! - [`pci`]: discovery of cards in sysfs, their driver binding and IOMMU group.
//! - [`blocks`]: the register-block walk that refuses a bitstream of an unknown major version.
//! - [`tenants`]: validated create/update/remove/list of tenants, and counter snapshots.
//!
//! The register map itself is `aggnic_spec::regs`: nothing here restates an address.

pub mod access;
pub mod blocks;
pub mod model;
pub mod pci;
pub mod sim_socket;
pub mod tenants;
pub mod vfio;

/// `docs/driver.md`, compiled here so its examples stay true.
#[doc = include_str!("../../docs/driver.md")]
pub mod guide {}

pub use access::{AccessError, RegisterAccess};
pub use blocks::{Block, BlockError, Layout, Version};
pub use model::ModelBackend;
pub use pci::{PCI_DEVICE_ID, PCI_VENDOR_ID, PciDevice, Sysfs};
pub use sim_socket::SimSocketBackend;
pub use tenants::{TenantConfig, TenantError, Tenants, Workers};
pub use vfio::{OpenError, VfioDevice};
