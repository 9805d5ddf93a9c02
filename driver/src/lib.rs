//! Host driver: register access over VFIO or the simulator. Empty until the driver issue lands; the
//! register map it will use is `aggnic_spec::regs`.
