//! Finding the register blocks by (type, version), as Corundum's driver does, instead of trusting
//! fixed offsets: a bitstream whose blocks this driver does not understand is refused up front.
//!
//! Every block starts with a header of three words: type, version (major << 16 | minor), address of
//! the next block (0: last). The chain starts at address 0.

use std::fmt;

use aggnic_spec::regs;

use crate::access::{AccessError, RegisterAccess, word_after};

/// Offsets of the header words inside a block, from the map's core block header.
const VERSION_OFFSET: u32 = regs::CORE_VERSION.addr - regs::CORE_BLOCK;
const NEXT_OFFSET: u32 = regs::CORE_NEXT.addr - regs::CORE_BLOCK;
const _: () = assert!(regs::TENANT_VERSION.addr - regs::TENANT_BLOCK == VERSION_OFFSET);
const _: () = assert!(regs::TENANT_NEXT.addr - regs::TENANT_BLOCK == NEXT_OFFSET);

/// More blocks than this means the chain is garbage (the map has two).
const MAX_BLOCKS: usize = 64;

/// A block version: major in the high 16 bits, minor in the low 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(pub u32);

impl Version {
    pub const fn major(self) -> u16 {
        (self.0 >> 16) as u16
    }
    pub const fn minor(self) -> u16 {
        self.0 as u16
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major(), self.minor())
    }
}

/// One block header found on the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub addr: u32,
    pub block_type: u32,
    pub version: Version,
}

/// The blocks this driver needs, at the addresses the card reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub core: Block,
    pub tenants: Block,
}

/// The version of each block this driver is written for (all blocks share one in map v1).
pub const SUPPORTED: Version = Version(regs::BLOCK_VERSION);

#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    #[error(
        "the {name} block at 0x{addr:04x} has version {found}, but this driver supports version {supported} \
         (major {}): load a bitstream built from the same aggnic release as the driver",
        supported.major()
    )]
    Incompatible {
        name: &'static str,
        addr: u32,
        found: Version,
        supported: Version,
    },
    #[error(
        "no {name} block (type 0x{block_type:08x}) on the register block chain: this is not an aggnic \
         core, or the bitstream is incomplete"
    )]
    Missing { name: &'static str, block_type: u32 },
    #[error(
        "the register block at 0x{addr:04x} reads all ones: the device is not responding (reset or removed?)"
    )]
    NotResponding { addr: u32 },
    #[error("the register block chain loops back to 0x{addr:04x}")]
    Loop { addr: u32 },
    #[error("the register block chain has more than {MAX_BLOCKS} blocks")]
    TooLong,
    #[error("while walking the register blocks: {0}")]
    Access(#[from] AccessError),
}

/// Reads every block header on the chain from address 0, in chain order.
pub fn walk(dev: &mut dyn RegisterAccess) -> Result<Vec<Block>, BlockError> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut addr = regs::CORE_BLOCK;
    loop {
        if blocks.iter().any(|b| b.addr == addr) {
            return Err(BlockError::Loop { addr });
        }
        if blocks.len() == MAX_BLOCKS {
            return Err(BlockError::TooLong);
        }
        let block_type = dev.read32(addr)?;
        if block_type == u32::MAX {
            // A PCIe read that nobody answers completes as all ones.
            return Err(BlockError::NotResponding { addr });
        }
        let version = Version(dev.read32(word_after(addr, VERSION_OFFSET)?)?);
        let next = dev.read32(word_after(addr, NEXT_OFFSET)?)?;
        blocks.push(Block {
            addr,
            block_type,
            version,
        });
        if next == 0 {
            return Ok(blocks);
        }
        addr = next;
    }
}

/// Walks the chain and returns the core and tenant-table blocks, refusing a major version this
/// driver does not know. Blocks of other types are skipped: a later minor may add some.
pub fn check(dev: &mut dyn RegisterAccess) -> Result<Layout, BlockError> {
    let blocks = walk(dev)?;
    let core = require(&blocks, "core", regs::CORE_BLOCK_TYPE)?;
    let tenants = require(&blocks, "tenant table", regs::TENANT_BLOCK_TYPE)?;
    Ok(Layout { core, tenants })
}

fn require(blocks: &[Block], name: &'static str, block_type: u32) -> Result<Block, BlockError> {
    let block = *blocks
        .iter()
        .find(|b| b.block_type == block_type)
        .ok_or(BlockError::Missing { name, block_type })?;
    if block.version.major() != SUPPORTED.major() {
        return Err(BlockError::Incompatible {
            name,
            addr: block.addr,
            found: block.version,
            supported: SUPPORTED,
        });
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::check_word;
    use crate::model::ModelBackend;
    use std::collections::HashMap;

    /// A register space that answers only the words it was given (0 elsewhere), for chains the
    /// model cannot produce.
    #[derive(Debug, Default)]
    struct Sparse(HashMap<u32, u32>);

    impl Sparse {
        fn block(mut self, addr: u32, block_type: u32, version: u32, next: u32) -> Self {
            self.0
                .extend([(addr, block_type), (addr + 4, version), (addr + 8, next)]);
            self
        }
    }

    impl RegisterAccess for Sparse {
        fn read32(&mut self, addr: u32) -> Result<u32, AccessError> {
            check_word(addr, 0x1_0000)?;
            Ok(self.0.get(&addr).copied().unwrap_or(0))
        }
        fn write32(&mut self, addr: u32, _: u32) -> Result<(), AccessError> {
            check_word(addr, 0x1_0000).map(drop)
        }
    }

    const V1: u32 = regs::BLOCK_VERSION;

    #[test]
    fn model_chain_has_core_then_tenant_table() {
        let mut m = ModelBackend::default();
        let blocks = walk(&mut m).unwrap();
        assert_eq!(
            blocks,
            vec![
                Block {
                    addr: regs::CORE_BLOCK,
                    block_type: regs::CORE_BLOCK_TYPE,
                    version: SUPPORTED
                },
                Block {
                    addr: regs::TENANT_BLOCK,
                    block_type: regs::TENANT_BLOCK_TYPE,
                    version: SUPPORTED
                },
            ]
        );
        let layout = check(&mut m).unwrap();
        assert_eq!(layout.tenants.addr, regs::TENANT_BLOCK);
    }

    #[test]
    fn wrong_major_is_refused_naming_both_versions() {
        let mut dev = Sparse::default()
            .block(0, regs::CORE_BLOCK_TYPE, V1, 0x1000)
            .block(0x1000, regs::TENANT_BLOCK_TYPE, 0x0002_0003, 0);
        let err = check(&mut dev).unwrap_err();
        assert!(matches!(
            err,
            BlockError::Incompatible {
                addr: 0x1000,
                found: Version(0x0002_0003),
                ..
            }
        ));
        let text = err.to_string();
        assert!(
            text.contains("version 2.3") && text.contains("version 1.0"),
            "{text}"
        );
        assert!(text.contains("tenant table"), "{text}");
    }

    #[test]
    fn newer_minor_and_unknown_blocks_are_accepted() {
        let mut dev = Sparse::default()
            .block(0, regs::CORE_BLOCK_TYPE, V1 | 7, 0x3000)
            .block(0x3000, 0x1234_5678, 0x0009_0000, 0x1000)
            .block(0x1000, regs::TENANT_BLOCK_TYPE, V1, 0);
        let layout = check(&mut dev).unwrap();
        assert_eq!(layout.core.version.minor(), 7);
        assert_eq!(walk(&mut dev).unwrap().len(), 3);
    }

    #[test]
    fn missing_block_loop_and_dead_device_are_named() {
        let mut only_core = Sparse::default().block(0, regs::CORE_BLOCK_TYPE, V1, 0);
        let err = check(&mut only_core).unwrap_err();
        assert!(
            matches!(
                err,
                BlockError::Missing {
                    name: "tenant table",
                    ..
                }
            ),
            "{err}"
        );

        let mut looped = Sparse::default()
            .block(0, regs::CORE_BLOCK_TYPE, V1, 0x1000)
            .block(0x1000, regs::TENANT_BLOCK_TYPE, V1, 0x1000);
        assert!(matches!(
            walk(&mut looped),
            Err(BlockError::Loop { addr: 0x1000 })
        ));

        let mut dead = Sparse(HashMap::from([(0, u32::MAX)]));
        assert!(matches!(
            walk(&mut dead),
            Err(BlockError::NotResponding { addr: 0 })
        ));
    }

    #[test]
    fn a_next_pointer_outside_the_window_is_an_access_error() {
        let mut dev = Sparse::default().block(0, regs::CORE_BLOCK_TYPE, V1, 0x2_0000);
        assert!(matches!(
            walk(&mut dev),
            Err(BlockError::Access(AccessError::OutOfBounds { .. }))
        ));
        let mut odd = Sparse::default().block(0, regs::CORE_BLOCK_TYPE, V1, 0x1002);
        assert!(matches!(
            walk(&mut odd),
            Err(BlockError::Access(AccessError::Misaligned { .. }))
        ));
    }
}
