// aggnic inside Corundum: the application block (`mqnic_app_block`) around the exported core.
//
// Hand-written. The module name, parameters and port list are those of Corundum's application
// block template, corundum/corundum fpga/app/template/rtl/mqnic_app_block.v at commit
// 7ac47973362d28243fd8c7682e03f3c4790b8775 (names, order, widths and defaults kept; the comments
// are ours). Corundum picks its application by file: mqnic_core instantiates `mqnic_app_block`,
// and an image lists one file that defines it (Corundum names them mqnic_app_block_<app>.v, as
// fpga/app/dma_bench/rtl/mqnic_app_block_dma_bench.v); hence this file's name. Newer Corundum
// revisions changed this port list (TX_TAG_WIDTH, tx completion ports, DDR/HBM, GPIO, JTAG): the
// list here must match the Corundum checkout it is built into (docs/corundum.md).
//
// The core is `aggnic_core`: the Verilog of aggnic_hdl::core::AggnicCore as rust-hdl exports it
// (module `top`), with the module renamed so that it cannot collide with another `top` in an image
// (`bitstreams/build --corundum` writes it: target/bitstreams/corundum/aggnic_core_top.v).
//
// Choices:
// * Which stream: the SYNC taps of port 0 (`s_axis_sync_rx`/`m_axis_sync_rx`,
//   `s_axis_sync_tx`/`m_axis_sync_tx`). They run on `clk`, Corundum's core clock (250 MHz on the
//   Alveo U280's 100G image), after the MAC-side asynchronous FIFOs, so the core needs no clock
//   crossing and may apply backpressure (tready). The DIRECT taps run on each MAC's own clock
//   (`direct_rx_clk`/`direct_tx_clk`, 322 MHz for the 100G CMAC) and, with AXIS_RX_USE_READY = 0,
//   cannot be stalled: the core stalls while it stores an aggregation frame. The IF taps sit
//   between the interface and its ports (and carry tid/tdest in newer revisions); the aggregation
//   must see the wire's frames, which the SYNC taps are. Direct and IF taps pass through.
//   Image setting: APP_AXIS_SYNC_ENABLE = 1 (otherwise mqnic_core bypasses these ports).
// * Which port: port 0 only (interface 0, port 0). Further ports (PORT_COUNT > 1) pass through
//   untouched; one core serves one 100G port.
// * Direction: receive (wire -> host) is the core's rx path: s_axis_sync_rx -> s_axis_rx_*,
//   m_axis_rx_* -> m_axis_sync_rx. Transmit (host -> wire) is its tx path: s_axis_sync_tx ->
//   s_axis_tx_*, m_axis_tx_* -> m_axis_sync_tx. RESULT/PARTIAL frames the core makes leave on
//   m_axis_rx (to the host) as the core's design says (docs/hardware.md).
// * Widths: the core is 512 bits (16 lanes x 32) with a 64-bit tkeep, contiguous from byte 0 and
//   all ones except on a frame's last beat: Corundum's 512-bit convention. The parameters must be
//   AXIS_SYNC_DATA_WIDTH = 512 and AXIL_APP_CTRL_DATA_WIDTH = 32; anything else stops elaboration
//   (the `g_unsupported` block below instantiates a module that does not exist).
// * tuser: receive bit 0, the MAC's bad-frame flag on a frame's last beat (Corundum marks bad
//   FCS and, without backpressure, frames cut short by a full FIFO), is the core's
//   s_axis_rx_tuser: an aggregation frame flagged bad is dropped and counted MALFORMED, any other
//   frame reaches the host still flagged (m_axis_sync_rx_tuser bit 0 from the core's
//   m_axis_rx_tuser). The rest of receive tuser (the 96-bit PTP timestamp) is not carried through
//   the core's buffers and is 0: the host sees no receive timestamps. Transmit tuser (bit 0 and
//   the PTP tag) is dropped and m_axis_sync_tx_tuser is 0: no transmit timestamps are requested;
//   build the image with PTP_TS_ENABLE = 0 (docs/corundum.md).
// * PTP timestamp return ports (s/m_axis_sync_tx_ptp_ts*) pass through, as in the template.
// * AXI4-Lite: the application control window (BAR 2) goes to the core's register map
//   (`s_axil_*`, 13 address bits = 8 KiB). The window's upper address bits are ignored, so the
//   register map repeats every 8 KiB of the BAR; awprot/arprot are ignored. Same clock (`clk`).
// * Reset: Corundum's `rst` is synchronous to `clk` and active high, as the core's `reset`.
// * Unused: the AXI-Lite master to the NIC, the DMA descriptor and DMA RAM interfaces and the
//   statistics output are tied off as the template ties them (no requests; RAM commands accepted
//   and answered with zeros).
// * Unused inputs are collected into `unused_inputs` (Verilator's default --unused-regexp `*unused*`
//   exempts it from UNUSEDSIGNAL): each is unused on purpose, as listed above.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module mqnic_app_block #
(
    // Structural configuration
    parameter IF_COUNT = 1,
    parameter PORTS_PER_IF = 1,

    parameter PORT_COUNT = IF_COUNT*PORTS_PER_IF,

    // PTP configuration
    parameter PTP_TS_WIDTH = 96,
    parameter PTP_TAG_WIDTH = 16,
    parameter PTP_PERIOD_NS_WIDTH = 4,
    parameter PTP_OFFSET_NS_WIDTH = 32,
    parameter PTP_FNS_WIDTH = 32,
    parameter PTP_PERIOD_NS = 4'd4,
    parameter PTP_PERIOD_FNS = 32'd0,
    parameter PTP_USE_SAMPLE_CLOCK = 0,
    parameter PTP_PEROUT_ENABLE = 0,
    parameter PTP_PEROUT_COUNT = 1,
    parameter PTP_TS_ENABLE = 1,

    // Application configuration
    parameter APP_CTRL_ENABLE = 1,
    parameter APP_DMA_ENABLE = 1,
    parameter APP_AXIS_DIRECT_ENABLE = 1,
    parameter APP_AXIS_SYNC_ENABLE = 1,
    parameter APP_AXIS_IF_ENABLE = 1,
    parameter APP_STAT_ENABLE = 1,

    // DMA interface configuration
    parameter DMA_ADDR_WIDTH = 64,
    parameter DMA_LEN_WIDTH = 16,
    parameter DMA_TAG_WIDTH = 16,
    parameter RAM_SEG_COUNT = 2,
    parameter RAM_SEG_DATA_WIDTH = 256*2/RAM_SEG_COUNT,
    parameter RAM_SEG_ADDR_WIDTH = 12,
    parameter RAM_SEG_BE_WIDTH = RAM_SEG_DATA_WIDTH/8,
    parameter RAM_SEL_WIDTH = 4,
    parameter RAM_ADDR_WIDTH = RAM_SEG_ADDR_WIDTH+$clog2(RAM_SEG_COUNT)+$clog2(RAM_SEG_BE_WIDTH),
    parameter RAM_PIPELINE = 2,

    // AXI lite interface (application control from host)
    parameter AXIL_APP_CTRL_DATA_WIDTH = 32,
    parameter AXIL_APP_CTRL_ADDR_WIDTH = 16,
    parameter AXIL_APP_CTRL_STRB_WIDTH = (AXIL_APP_CTRL_DATA_WIDTH/8),

    // AXI lite interface (control to NIC)
    parameter AXIL_CTRL_DATA_WIDTH = 32,
    parameter AXIL_CTRL_ADDR_WIDTH = 16,
    parameter AXIL_CTRL_STRB_WIDTH = (AXIL_CTRL_DATA_WIDTH/8),

    // Ethernet interface configuration (direct, async)
    parameter AXIS_DATA_WIDTH = 512,
    parameter AXIS_KEEP_WIDTH = AXIS_DATA_WIDTH/8,
    parameter AXIS_TX_USER_WIDTH = (PTP_TS_ENABLE ? PTP_TAG_WIDTH : 0) + 1,
    parameter AXIS_RX_USER_WIDTH = (PTP_TS_ENABLE ? PTP_TS_WIDTH : 0) + 1,
    parameter AXIS_RX_USE_READY = 0,

    // Ethernet interface configuration (direct, sync)
    parameter AXIS_SYNC_DATA_WIDTH = AXIS_DATA_WIDTH,
    parameter AXIS_SYNC_KEEP_WIDTH = AXIS_SYNC_DATA_WIDTH/8,
    parameter AXIS_SYNC_TX_USER_WIDTH = AXIS_TX_USER_WIDTH,
    parameter AXIS_SYNC_RX_USER_WIDTH = AXIS_RX_USER_WIDTH,

    // Ethernet interface configuration (interface)
    parameter AXIS_IF_DATA_WIDTH = AXIS_SYNC_DATA_WIDTH,
    parameter AXIS_IF_KEEP_WIDTH = AXIS_IF_DATA_WIDTH/8,
    parameter AXIS_IF_TX_USER_WIDTH = AXIS_SYNC_TX_USER_WIDTH,
    parameter AXIS_IF_RX_USER_WIDTH = AXIS_SYNC_RX_USER_WIDTH,

    // Statistics counter subsystem
    parameter STAT_ENABLE = 1,
    parameter STAT_INC_WIDTH = 24,
    parameter STAT_ID_WIDTH = 12
)
(
    input  wire                                           clk,
    input  wire                                           rst,

    // AXI-Lite slave: application control window from the host (BAR 2)
    input  wire [AXIL_APP_CTRL_ADDR_WIDTH-1:0]            s_axil_app_ctrl_awaddr,
    input  wire [2:0]                                     s_axil_app_ctrl_awprot,
    input  wire                                           s_axil_app_ctrl_awvalid,
    output wire                                           s_axil_app_ctrl_awready,
    input  wire [AXIL_APP_CTRL_DATA_WIDTH-1:0]            s_axil_app_ctrl_wdata,
    input  wire [AXIL_APP_CTRL_STRB_WIDTH-1:0]            s_axil_app_ctrl_wstrb,
    input  wire                                           s_axil_app_ctrl_wvalid,
    output wire                                           s_axil_app_ctrl_wready,
    output wire [1:0]                                     s_axil_app_ctrl_bresp,
    output wire                                           s_axil_app_ctrl_bvalid,
    input  wire                                           s_axil_app_ctrl_bready,
    input  wire [AXIL_APP_CTRL_ADDR_WIDTH-1:0]            s_axil_app_ctrl_araddr,
    input  wire [2:0]                                     s_axil_app_ctrl_arprot,
    input  wire                                           s_axil_app_ctrl_arvalid,
    output wire                                           s_axil_app_ctrl_arready,
    output wire [AXIL_APP_CTRL_DATA_WIDTH-1:0]            s_axil_app_ctrl_rdata,
    output wire [1:0]                                     s_axil_app_ctrl_rresp,
    output wire                                           s_axil_app_ctrl_rvalid,
    input  wire                                           s_axil_app_ctrl_rready,

    // AXI-Lite master: control to the NIC (unused)
    output wire [AXIL_CTRL_ADDR_WIDTH-1:0]                m_axil_ctrl_awaddr,
    output wire [2:0]                                     m_axil_ctrl_awprot,
    output wire                                           m_axil_ctrl_awvalid,
    input  wire                                           m_axil_ctrl_awready,
    output wire [AXIL_CTRL_DATA_WIDTH-1:0]                m_axil_ctrl_wdata,
    output wire [AXIL_CTRL_STRB_WIDTH-1:0]                m_axil_ctrl_wstrb,
    output wire                                           m_axil_ctrl_wvalid,
    input  wire                                           m_axil_ctrl_wready,
    input  wire [1:0]                                     m_axil_ctrl_bresp,
    input  wire                                           m_axil_ctrl_bvalid,
    output wire                                           m_axil_ctrl_bready,
    output wire [AXIL_CTRL_ADDR_WIDTH-1:0]                m_axil_ctrl_araddr,
    output wire [2:0]                                     m_axil_ctrl_arprot,
    output wire                                           m_axil_ctrl_arvalid,
    input  wire                                           m_axil_ctrl_arready,
    input  wire [AXIL_CTRL_DATA_WIDTH-1:0]                m_axil_ctrl_rdata,
    input  wire [1:0]                                     m_axil_ctrl_rresp,
    input  wire                                           m_axil_ctrl_rvalid,
    output wire                                           m_axil_ctrl_rready,

    // DMA read descriptor out (control; unused)
    output wire [DMA_ADDR_WIDTH-1:0]                      m_axis_ctrl_dma_read_desc_dma_addr,
    output wire [RAM_SEL_WIDTH-1:0]                       m_axis_ctrl_dma_read_desc_ram_sel,
    output wire [RAM_ADDR_WIDTH-1:0]                      m_axis_ctrl_dma_read_desc_ram_addr,
    output wire [DMA_LEN_WIDTH-1:0]                       m_axis_ctrl_dma_read_desc_len,
    output wire [DMA_TAG_WIDTH-1:0]                       m_axis_ctrl_dma_read_desc_tag,
    output wire                                           m_axis_ctrl_dma_read_desc_valid,
    input  wire                                           m_axis_ctrl_dma_read_desc_ready,

    // DMA read descriptor status in (control; unused)
    input  wire [DMA_TAG_WIDTH-1:0]                       s_axis_ctrl_dma_read_desc_status_tag,
    input  wire [3:0]                                     s_axis_ctrl_dma_read_desc_status_error,
    input  wire                                           s_axis_ctrl_dma_read_desc_status_valid,

    // DMA write descriptor out (control; unused)
    output wire [DMA_ADDR_WIDTH-1:0]                      m_axis_ctrl_dma_write_desc_dma_addr,
    output wire [RAM_SEL_WIDTH-1:0]                       m_axis_ctrl_dma_write_desc_ram_sel,
    output wire [RAM_ADDR_WIDTH-1:0]                      m_axis_ctrl_dma_write_desc_ram_addr,
    output wire [DMA_LEN_WIDTH-1:0]                       m_axis_ctrl_dma_write_desc_len,
    output wire [DMA_TAG_WIDTH-1:0]                       m_axis_ctrl_dma_write_desc_tag,
    output wire                                           m_axis_ctrl_dma_write_desc_valid,
    input  wire                                           m_axis_ctrl_dma_write_desc_ready,

    // DMA write descriptor status in (control; unused)
    input  wire [DMA_TAG_WIDTH-1:0]                       s_axis_ctrl_dma_write_desc_status_tag,
    input  wire [3:0]                                     s_axis_ctrl_dma_write_desc_status_error,
    input  wire                                           s_axis_ctrl_dma_write_desc_status_valid,

    // DMA read descriptor out (data; unused)
    output wire [DMA_ADDR_WIDTH-1:0]                      m_axis_data_dma_read_desc_dma_addr,
    output wire [RAM_SEL_WIDTH-1:0]                       m_axis_data_dma_read_desc_ram_sel,
    output wire [RAM_ADDR_WIDTH-1:0]                      m_axis_data_dma_read_desc_ram_addr,
    output wire [DMA_LEN_WIDTH-1:0]                       m_axis_data_dma_read_desc_len,
    output wire [DMA_TAG_WIDTH-1:0]                       m_axis_data_dma_read_desc_tag,
    output wire                                           m_axis_data_dma_read_desc_valid,
    input  wire                                           m_axis_data_dma_read_desc_ready,

    // DMA read descriptor status in (data; unused)
    input  wire [DMA_TAG_WIDTH-1:0]                       s_axis_data_dma_read_desc_status_tag,
    input  wire [3:0]                                     s_axis_data_dma_read_desc_status_error,
    input  wire                                           s_axis_data_dma_read_desc_status_valid,

    // DMA write descriptor out (data; unused)
    output wire [DMA_ADDR_WIDTH-1:0]                      m_axis_data_dma_write_desc_dma_addr,
    output wire [RAM_SEL_WIDTH-1:0]                       m_axis_data_dma_write_desc_ram_sel,
    output wire [RAM_ADDR_WIDTH-1:0]                      m_axis_data_dma_write_desc_ram_addr,
    output wire [DMA_LEN_WIDTH-1:0]                       m_axis_data_dma_write_desc_len,
    output wire [DMA_TAG_WIDTH-1:0]                       m_axis_data_dma_write_desc_tag,
    output wire                                           m_axis_data_dma_write_desc_valid,
    input  wire                                           m_axis_data_dma_write_desc_ready,

    // DMA write descriptor status in (data; unused)
    input  wire [DMA_TAG_WIDTH-1:0]                       s_axis_data_dma_write_desc_status_tag,
    input  wire [3:0]                                     s_axis_data_dma_write_desc_status_error,
    input  wire                                           s_axis_data_dma_write_desc_status_valid,

    // DMA RAM (control; unused: commands accepted, reads answered with zeros)
    input  wire [RAM_SEG_COUNT*RAM_SEL_WIDTH-1:0]         ctrl_dma_ram_wr_cmd_sel,
    input  wire [RAM_SEG_COUNT*RAM_SEG_BE_WIDTH-1:0]      ctrl_dma_ram_wr_cmd_be,
    input  wire [RAM_SEG_COUNT*RAM_SEG_ADDR_WIDTH-1:0]    ctrl_dma_ram_wr_cmd_addr,
    input  wire [RAM_SEG_COUNT*RAM_SEG_DATA_WIDTH-1:0]    ctrl_dma_ram_wr_cmd_data,
    input  wire [RAM_SEG_COUNT-1:0]                       ctrl_dma_ram_wr_cmd_valid,
    output wire [RAM_SEG_COUNT-1:0]                       ctrl_dma_ram_wr_cmd_ready,
    output wire [RAM_SEG_COUNT-1:0]                       ctrl_dma_ram_wr_done,
    input  wire [RAM_SEG_COUNT*RAM_SEL_WIDTH-1:0]         ctrl_dma_ram_rd_cmd_sel,
    input  wire [RAM_SEG_COUNT*RAM_SEG_ADDR_WIDTH-1:0]    ctrl_dma_ram_rd_cmd_addr,
    input  wire [RAM_SEG_COUNT-1:0]                       ctrl_dma_ram_rd_cmd_valid,
    output wire [RAM_SEG_COUNT-1:0]                       ctrl_dma_ram_rd_cmd_ready,
    output wire [RAM_SEG_COUNT*RAM_SEG_DATA_WIDTH-1:0]    ctrl_dma_ram_rd_resp_data,
    output wire [RAM_SEG_COUNT-1:0]                       ctrl_dma_ram_rd_resp_valid,
    input  wire [RAM_SEG_COUNT-1:0]                       ctrl_dma_ram_rd_resp_ready,

    // DMA RAM (data; unused: commands accepted, reads answered with zeros)
    input  wire [RAM_SEG_COUNT*RAM_SEL_WIDTH-1:0]         data_dma_ram_wr_cmd_sel,
    input  wire [RAM_SEG_COUNT*RAM_SEG_BE_WIDTH-1:0]      data_dma_ram_wr_cmd_be,
    input  wire [RAM_SEG_COUNT*RAM_SEG_ADDR_WIDTH-1:0]    data_dma_ram_wr_cmd_addr,
    input  wire [RAM_SEG_COUNT*RAM_SEG_DATA_WIDTH-1:0]    data_dma_ram_wr_cmd_data,
    input  wire [RAM_SEG_COUNT-1:0]                       data_dma_ram_wr_cmd_valid,
    output wire [RAM_SEG_COUNT-1:0]                       data_dma_ram_wr_cmd_ready,
    output wire [RAM_SEG_COUNT-1:0]                       data_dma_ram_wr_done,
    input  wire [RAM_SEG_COUNT*RAM_SEL_WIDTH-1:0]         data_dma_ram_rd_cmd_sel,
    input  wire [RAM_SEG_COUNT*RAM_SEG_ADDR_WIDTH-1:0]    data_dma_ram_rd_cmd_addr,
    input  wire [RAM_SEG_COUNT-1:0]                       data_dma_ram_rd_cmd_valid,
    output wire [RAM_SEG_COUNT-1:0]                       data_dma_ram_rd_cmd_ready,
    output wire [RAM_SEG_COUNT*RAM_SEG_DATA_WIDTH-1:0]    data_dma_ram_rd_resp_data,
    output wire [RAM_SEG_COUNT-1:0]                       data_dma_ram_rd_resp_valid,
    input  wire [RAM_SEG_COUNT-1:0]                       data_dma_ram_rd_resp_ready,

    // PTP clock (unused)
    input  wire                                           ptp_sample_clk,
    input  wire                                           ptp_pps,
    input  wire [PTP_TS_WIDTH-1:0]                        ptp_ts_96,
    input  wire                                           ptp_ts_step,
    input  wire [PTP_PEROUT_COUNT-1:0]                    ptp_perout_locked,
    input  wire [PTP_PEROUT_COUNT-1:0]                    ptp_perout_error,
    input  wire [PTP_PEROUT_COUNT-1:0]                    ptp_perout_pulse,

    // Ethernet, direct MAC taps (MAC clocks; pass through)
    input  wire [PORT_COUNT-1:0]                          direct_tx_clk,
    input  wire [PORT_COUNT-1:0]                          direct_tx_rst,

    input  wire [PORT_COUNT*AXIS_DATA_WIDTH-1:0]          s_axis_direct_tx_tdata,
    input  wire [PORT_COUNT*AXIS_KEEP_WIDTH-1:0]          s_axis_direct_tx_tkeep,
    input  wire [PORT_COUNT-1:0]                          s_axis_direct_tx_tvalid,
    output wire [PORT_COUNT-1:0]                          s_axis_direct_tx_tready,
    input  wire [PORT_COUNT-1:0]                          s_axis_direct_tx_tlast,
    input  wire [PORT_COUNT*AXIS_TX_USER_WIDTH-1:0]       s_axis_direct_tx_tuser,

    output wire [PORT_COUNT*AXIS_DATA_WIDTH-1:0]          m_axis_direct_tx_tdata,
    output wire [PORT_COUNT*AXIS_KEEP_WIDTH-1:0]          m_axis_direct_tx_tkeep,
    output wire [PORT_COUNT-1:0]                          m_axis_direct_tx_tvalid,
    input  wire [PORT_COUNT-1:0]                          m_axis_direct_tx_tready,
    output wire [PORT_COUNT-1:0]                          m_axis_direct_tx_tlast,
    output wire [PORT_COUNT*AXIS_TX_USER_WIDTH-1:0]       m_axis_direct_tx_tuser,

    input  wire [PORT_COUNT*PTP_TS_WIDTH-1:0]             s_axis_direct_tx_ptp_ts,
    input  wire [PORT_COUNT*PTP_TAG_WIDTH-1:0]            s_axis_direct_tx_ptp_ts_tag,
    input  wire [PORT_COUNT-1:0]                          s_axis_direct_tx_ptp_ts_valid,
    output wire [PORT_COUNT-1:0]                          s_axis_direct_tx_ptp_ts_ready,

    output wire [PORT_COUNT*PTP_TS_WIDTH-1:0]             m_axis_direct_tx_ptp_ts,
    output wire [PORT_COUNT*PTP_TAG_WIDTH-1:0]            m_axis_direct_tx_ptp_ts_tag,
    output wire [PORT_COUNT-1:0]                          m_axis_direct_tx_ptp_ts_valid,
    input  wire [PORT_COUNT-1:0]                          m_axis_direct_tx_ptp_ts_ready,

    input  wire [PORT_COUNT-1:0]                          direct_rx_clk,
    input  wire [PORT_COUNT-1:0]                          direct_rx_rst,

    input  wire [PORT_COUNT*AXIS_DATA_WIDTH-1:0]          s_axis_direct_rx_tdata,
    input  wire [PORT_COUNT*AXIS_KEEP_WIDTH-1:0]          s_axis_direct_rx_tkeep,
    input  wire [PORT_COUNT-1:0]                          s_axis_direct_rx_tvalid,
    output wire [PORT_COUNT-1:0]                          s_axis_direct_rx_tready,
    input  wire [PORT_COUNT-1:0]                          s_axis_direct_rx_tlast,
    input  wire [PORT_COUNT*AXIS_RX_USER_WIDTH-1:0]       s_axis_direct_rx_tuser,

    output wire [PORT_COUNT*AXIS_DATA_WIDTH-1:0]          m_axis_direct_rx_tdata,
    output wire [PORT_COUNT*AXIS_KEEP_WIDTH-1:0]          m_axis_direct_rx_tkeep,
    output wire [PORT_COUNT-1:0]                          m_axis_direct_rx_tvalid,
    input  wire [PORT_COUNT-1:0]                          m_axis_direct_rx_tready,
    output wire [PORT_COUNT-1:0]                          m_axis_direct_rx_tlast,
    output wire [PORT_COUNT*AXIS_RX_USER_WIDTH-1:0]       m_axis_direct_rx_tuser,

    // Ethernet, synchronous MAC taps (clk): port 0 goes through the core
    input  wire [PORT_COUNT*AXIS_SYNC_DATA_WIDTH-1:0]     s_axis_sync_tx_tdata,
    input  wire [PORT_COUNT*AXIS_SYNC_KEEP_WIDTH-1:0]     s_axis_sync_tx_tkeep,
    input  wire [PORT_COUNT-1:0]                          s_axis_sync_tx_tvalid,
    output wire [PORT_COUNT-1:0]                          s_axis_sync_tx_tready,
    input  wire [PORT_COUNT-1:0]                          s_axis_sync_tx_tlast,
    input  wire [PORT_COUNT*AXIS_SYNC_TX_USER_WIDTH-1:0]  s_axis_sync_tx_tuser,

    output wire [PORT_COUNT*AXIS_SYNC_DATA_WIDTH-1:0]     m_axis_sync_tx_tdata,
    output wire [PORT_COUNT*AXIS_SYNC_KEEP_WIDTH-1:0]     m_axis_sync_tx_tkeep,
    output wire [PORT_COUNT-1:0]                          m_axis_sync_tx_tvalid,
    input  wire [PORT_COUNT-1:0]                          m_axis_sync_tx_tready,
    output wire [PORT_COUNT-1:0]                          m_axis_sync_tx_tlast,
    output wire [PORT_COUNT*AXIS_SYNC_TX_USER_WIDTH-1:0]  m_axis_sync_tx_tuser,

    input  wire [PORT_COUNT*PTP_TS_WIDTH-1:0]             s_axis_sync_tx_ptp_ts,
    input  wire [PORT_COUNT*PTP_TAG_WIDTH-1:0]            s_axis_sync_tx_ptp_ts_tag,
    input  wire [PORT_COUNT-1:0]                          s_axis_sync_tx_ptp_ts_valid,
    output wire [PORT_COUNT-1:0]                          s_axis_sync_tx_ptp_ts_ready,

    output wire [PORT_COUNT*PTP_TS_WIDTH-1:0]             m_axis_sync_tx_ptp_ts,
    output wire [PORT_COUNT*PTP_TAG_WIDTH-1:0]            m_axis_sync_tx_ptp_ts_tag,
    output wire [PORT_COUNT-1:0]                          m_axis_sync_tx_ptp_ts_valid,
    input  wire [PORT_COUNT-1:0]                          m_axis_sync_tx_ptp_ts_ready,

    input  wire [PORT_COUNT*AXIS_SYNC_DATA_WIDTH-1:0]     s_axis_sync_rx_tdata,
    input  wire [PORT_COUNT*AXIS_SYNC_KEEP_WIDTH-1:0]     s_axis_sync_rx_tkeep,
    input  wire [PORT_COUNT-1:0]                          s_axis_sync_rx_tvalid,
    output wire [PORT_COUNT-1:0]                          s_axis_sync_rx_tready,
    input  wire [PORT_COUNT-1:0]                          s_axis_sync_rx_tlast,
    input  wire [PORT_COUNT*AXIS_SYNC_RX_USER_WIDTH-1:0]  s_axis_sync_rx_tuser,

    output wire [PORT_COUNT*AXIS_SYNC_DATA_WIDTH-1:0]     m_axis_sync_rx_tdata,
    output wire [PORT_COUNT*AXIS_SYNC_KEEP_WIDTH-1:0]     m_axis_sync_rx_tkeep,
    output wire [PORT_COUNT-1:0]                          m_axis_sync_rx_tvalid,
    input  wire [PORT_COUNT-1:0]                          m_axis_sync_rx_tready,
    output wire [PORT_COUNT-1:0]                          m_axis_sync_rx_tlast,
    output wire [PORT_COUNT*AXIS_SYNC_RX_USER_WIDTH-1:0]  m_axis_sync_rx_tuser,

    // Ethernet, interface taps (clk; pass through)
    input  wire [PORT_COUNT*AXIS_IF_DATA_WIDTH-1:0]       s_axis_if_tx_tdata,
    input  wire [PORT_COUNT*AXIS_IF_KEEP_WIDTH-1:0]       s_axis_if_tx_tkeep,
    input  wire [PORT_COUNT-1:0]                          s_axis_if_tx_tvalid,
    output wire [PORT_COUNT-1:0]                          s_axis_if_tx_tready,
    input  wire [PORT_COUNT-1:0]                          s_axis_if_tx_tlast,
    input  wire [PORT_COUNT*AXIS_IF_TX_USER_WIDTH-1:0]    s_axis_if_tx_tuser,

    output wire [PORT_COUNT*AXIS_IF_DATA_WIDTH-1:0]       m_axis_if_tx_tdata,
    output wire [PORT_COUNT*AXIS_IF_KEEP_WIDTH-1:0]       m_axis_if_tx_tkeep,
    output wire [PORT_COUNT-1:0]                          m_axis_if_tx_tvalid,
    input  wire [PORT_COUNT-1:0]                          m_axis_if_tx_tready,
    output wire [PORT_COUNT-1:0]                          m_axis_if_tx_tlast,
    output wire [PORT_COUNT*AXIS_IF_TX_USER_WIDTH-1:0]    m_axis_if_tx_tuser,

    input  wire [PORT_COUNT*PTP_TS_WIDTH-1:0]             s_axis_if_tx_ptp_ts,
    input  wire [PORT_COUNT*PTP_TAG_WIDTH-1:0]            s_axis_if_tx_ptp_ts_tag,
    input  wire [PORT_COUNT-1:0]                          s_axis_if_tx_ptp_ts_valid,
    output wire [PORT_COUNT-1:0]                          s_axis_if_tx_ptp_ts_ready,

    output wire [PORT_COUNT*PTP_TS_WIDTH-1:0]             m_axis_if_tx_ptp_ts,
    output wire [PORT_COUNT*PTP_TAG_WIDTH-1:0]            m_axis_if_tx_ptp_ts_tag,
    output wire [PORT_COUNT-1:0]                          m_axis_if_tx_ptp_ts_valid,
    input  wire [PORT_COUNT-1:0]                          m_axis_if_tx_ptp_ts_ready,

    input  wire [PORT_COUNT*AXIS_IF_DATA_WIDTH-1:0]       s_axis_if_rx_tdata,
    input  wire [PORT_COUNT*AXIS_IF_KEEP_WIDTH-1:0]       s_axis_if_rx_tkeep,
    input  wire [PORT_COUNT-1:0]                          s_axis_if_rx_tvalid,
    output wire [PORT_COUNT-1:0]                          s_axis_if_rx_tready,
    input  wire [PORT_COUNT-1:0]                          s_axis_if_rx_tlast,
    input  wire [PORT_COUNT*AXIS_IF_RX_USER_WIDTH-1:0]    s_axis_if_rx_tuser,

    output wire [PORT_COUNT*AXIS_IF_DATA_WIDTH-1:0]       m_axis_if_rx_tdata,
    output wire [PORT_COUNT*AXIS_IF_KEEP_WIDTH-1:0]       m_axis_if_rx_tkeep,
    output wire [PORT_COUNT-1:0]                          m_axis_if_rx_tvalid,
    input  wire [PORT_COUNT-1:0]                          m_axis_if_rx_tready,
    output wire [PORT_COUNT-1:0]                          m_axis_if_rx_tlast,
    output wire [PORT_COUNT*AXIS_IF_RX_USER_WIDTH-1:0]    m_axis_if_rx_tuser,

    // Statistics increments (unused)
    output wire [STAT_INC_WIDTH-1:0]                      m_axis_stat_tdata,
    output wire [STAT_ID_WIDTH-1:0]                       m_axis_stat_tid,
    output wire                                           m_axis_stat_tvalid,
    input  wire                                           m_axis_stat_tready
);

// The core's fixed geometry: 512-bit beats, a 32-bit register map with 13 address bits.
localparam CORE_DATA_WIDTH = 512;
localparam CORE_KEEP_WIDTH = CORE_DATA_WIDTH/8;
localparam CORE_AXIL_ADDR_WIDTH = 13;

generate
    if (AXIS_SYNC_DATA_WIDTH != CORE_DATA_WIDTH || AXIS_SYNC_KEEP_WIDTH != CORE_KEEP_WIDTH ||
            AXIL_APP_CTRL_DATA_WIDTH != 32 || AXIL_APP_CTRL_ADDR_WIDTH < CORE_AXIL_ADDR_WIDTH) begin : g_unsupported
        // Stops elaboration on purpose: the core is 512 bits wide with a 32-bit register map.
        aggnic_needs_512_bit_sync_taps_and_32_bit_axil unsupported_parameters ();
    end
endgenerate

// ---------------------------------------------------------------------------------------------
// The core on port 0's synchronous taps.

wire core_rx_tready;
wire [CORE_DATA_WIDTH-1:0] core_rx_out_tdata;
wire [CORE_KEEP_WIDTH-1:0] core_rx_out_tkeep;
wire core_rx_out_tvalid;
wire core_rx_out_tlast;
wire core_rx_out_tuser;
wire core_tx_tready;
wire [CORE_DATA_WIDTH-1:0] core_tx_out_tdata;
wire [CORE_KEEP_WIDTH-1:0] core_tx_out_tkeep;
wire core_tx_out_tvalid;
wire core_tx_out_tlast;

aggnic_core core_inst (
    .clock(clk),
    .reset(rst),

    // wire -> core (receive tap in)
    .s_axis_rx_tdata(s_axis_sync_rx_tdata[CORE_DATA_WIDTH-1:0]),
    .s_axis_rx_tkeep(s_axis_sync_rx_tkeep[CORE_KEEP_WIDTH-1:0]),
    .s_axis_rx_tvalid(s_axis_sync_rx_tvalid[0]),
    .s_axis_rx_tready(core_rx_tready),
    .s_axis_rx_tlast(s_axis_sync_rx_tlast[0]),
    .s_axis_rx_tuser(s_axis_sync_rx_tuser[0]),

    // core -> host (receive tap out)
    .m_axis_rx_tdata(core_rx_out_tdata),
    .m_axis_rx_tkeep(core_rx_out_tkeep),
    .m_axis_rx_tvalid(core_rx_out_tvalid),
    .m_axis_rx_tready(m_axis_sync_rx_tready[0]),
    .m_axis_rx_tlast(core_rx_out_tlast),
    .m_axis_rx_tuser(core_rx_out_tuser),

    // host -> core (transmit tap in)
    .s_axis_tx_tdata(s_axis_sync_tx_tdata[CORE_DATA_WIDTH-1:0]),
    .s_axis_tx_tkeep(s_axis_sync_tx_tkeep[CORE_KEEP_WIDTH-1:0]),
    .s_axis_tx_tvalid(s_axis_sync_tx_tvalid[0]),
    .s_axis_tx_tready(core_tx_tready),
    .s_axis_tx_tlast(s_axis_sync_tx_tlast[0]),

    // core -> wire (transmit tap out)
    .m_axis_tx_tdata(core_tx_out_tdata),
    .m_axis_tx_tkeep(core_tx_out_tkeep),
    .m_axis_tx_tvalid(core_tx_out_tvalid),
    .m_axis_tx_tready(m_axis_sync_tx_tready[0]),
    .m_axis_tx_tlast(core_tx_out_tlast),

    // application control window -> register map (low 13 address bits)
    .s_axil_awaddr(s_axil_app_ctrl_awaddr[CORE_AXIL_ADDR_WIDTH-1:0]),
    .s_axil_awvalid(s_axil_app_ctrl_awvalid),
    .s_axil_awready(s_axil_app_ctrl_awready),
    .s_axil_wdata(s_axil_app_ctrl_wdata),
    .s_axil_wstrb(s_axil_app_ctrl_wstrb),
    .s_axil_wvalid(s_axil_app_ctrl_wvalid),
    .s_axil_wready(s_axil_app_ctrl_wready),
    .s_axil_bresp(s_axil_app_ctrl_bresp),
    .s_axil_bvalid(s_axil_app_ctrl_bvalid),
    .s_axil_bready(s_axil_app_ctrl_bready),
    .s_axil_araddr(s_axil_app_ctrl_araddr[CORE_AXIL_ADDR_WIDTH-1:0]),
    .s_axil_arvalid(s_axil_app_ctrl_arvalid),
    .s_axil_arready(s_axil_app_ctrl_arready),
    .s_axil_rdata(s_axil_app_ctrl_rdata),
    .s_axil_rresp(s_axil_app_ctrl_rresp),
    .s_axil_rvalid(s_axil_app_ctrl_rvalid),
    .s_axil_rready(s_axil_app_ctrl_rready)
);

// Port 0's outputs from the core; receive tuser is the bad-frame bit alone, transmit tuser 0 (see
// the header).
wire [AXIS_SYNC_RX_USER_WIDTH-1:0] sync_rx0_tuser;
assign sync_rx0_tuser[0] = core_rx_out_tuser;
generate
    if (AXIS_SYNC_RX_USER_WIDTH > 1) begin : g_rx_timestamp
        assign sync_rx0_tuser[AXIS_SYNC_RX_USER_WIDTH-1:1] = {(AXIS_SYNC_RX_USER_WIDTH-1){1'b0}};
    end
endgenerate
wire [AXIS_SYNC_DATA_WIDTH-1:0] sync_rx0_tdata = core_rx_out_tdata;
wire [AXIS_SYNC_KEEP_WIDTH-1:0] sync_rx0_tkeep = core_rx_out_tkeep;
wire [AXIS_SYNC_DATA_WIDTH-1:0] sync_tx0_tdata = core_tx_out_tdata;
wire [AXIS_SYNC_KEEP_WIDTH-1:0] sync_tx0_tkeep = core_tx_out_tkeep;

generate
    if (PORT_COUNT > 1) begin : g_more_ports
        // Ports 1 .. PORT_COUNT-1: the synchronous taps pass through.
        assign m_axis_sync_rx_tdata = {s_axis_sync_rx_tdata[PORT_COUNT*AXIS_SYNC_DATA_WIDTH-1:AXIS_SYNC_DATA_WIDTH], sync_rx0_tdata};
        assign m_axis_sync_rx_tkeep = {s_axis_sync_rx_tkeep[PORT_COUNT*AXIS_SYNC_KEEP_WIDTH-1:AXIS_SYNC_KEEP_WIDTH], sync_rx0_tkeep};
        assign m_axis_sync_rx_tvalid = {s_axis_sync_rx_tvalid[PORT_COUNT-1:1], core_rx_out_tvalid};
        assign s_axis_sync_rx_tready = {m_axis_sync_rx_tready[PORT_COUNT-1:1], core_rx_tready};
        assign m_axis_sync_rx_tlast = {s_axis_sync_rx_tlast[PORT_COUNT-1:1], core_rx_out_tlast};
        assign m_axis_sync_rx_tuser = {s_axis_sync_rx_tuser[PORT_COUNT*AXIS_SYNC_RX_USER_WIDTH-1:AXIS_SYNC_RX_USER_WIDTH], sync_rx0_tuser};

        assign m_axis_sync_tx_tdata = {s_axis_sync_tx_tdata[PORT_COUNT*AXIS_SYNC_DATA_WIDTH-1:AXIS_SYNC_DATA_WIDTH], sync_tx0_tdata};
        assign m_axis_sync_tx_tkeep = {s_axis_sync_tx_tkeep[PORT_COUNT*AXIS_SYNC_KEEP_WIDTH-1:AXIS_SYNC_KEEP_WIDTH], sync_tx0_tkeep};
        assign m_axis_sync_tx_tvalid = {s_axis_sync_tx_tvalid[PORT_COUNT-1:1], core_tx_out_tvalid};
        assign s_axis_sync_tx_tready = {m_axis_sync_tx_tready[PORT_COUNT-1:1], core_tx_tready};
        assign m_axis_sync_tx_tlast = {s_axis_sync_tx_tlast[PORT_COUNT-1:1], core_tx_out_tlast};
        assign m_axis_sync_tx_tuser = {s_axis_sync_tx_tuser[PORT_COUNT*AXIS_SYNC_TX_USER_WIDTH-1:AXIS_SYNC_TX_USER_WIDTH], {AXIS_SYNC_TX_USER_WIDTH{1'b0}}};
    end else begin : g_one_port
        assign m_axis_sync_rx_tdata = sync_rx0_tdata;
        assign m_axis_sync_rx_tkeep = sync_rx0_tkeep;
        assign m_axis_sync_rx_tvalid = core_rx_out_tvalid;
        assign s_axis_sync_rx_tready = core_rx_tready;
        assign m_axis_sync_rx_tlast = core_rx_out_tlast;
        assign m_axis_sync_rx_tuser = sync_rx0_tuser;

        assign m_axis_sync_tx_tdata = sync_tx0_tdata;
        assign m_axis_sync_tx_tkeep = sync_tx0_tkeep;
        assign m_axis_sync_tx_tvalid = core_tx_out_tvalid;
        assign s_axis_sync_tx_tready = core_tx_tready;
        assign m_axis_sync_tx_tlast = core_tx_out_tlast;
        assign m_axis_sync_tx_tuser = {AXIS_SYNC_TX_USER_WIDTH{1'b0}};
    end
endgenerate

// PTP timestamps returned by the MACs pass through on every port.
assign m_axis_sync_tx_ptp_ts = s_axis_sync_tx_ptp_ts;
assign m_axis_sync_tx_ptp_ts_tag = s_axis_sync_tx_ptp_ts_tag;
assign m_axis_sync_tx_ptp_ts_valid = s_axis_sync_tx_ptp_ts_valid;
assign s_axis_sync_tx_ptp_ts_ready = m_axis_sync_tx_ptp_ts_ready;

// ---------------------------------------------------------------------------------------------
// Pass-through: direct and interface taps (Corundum bypasses them itself when
// APP_AXIS_DIRECT_ENABLE / APP_AXIS_IF_ENABLE are 0).

assign m_axis_direct_tx_tdata = s_axis_direct_tx_tdata;
assign m_axis_direct_tx_tkeep = s_axis_direct_tx_tkeep;
assign m_axis_direct_tx_tvalid = s_axis_direct_tx_tvalid;
assign s_axis_direct_tx_tready = m_axis_direct_tx_tready;
assign m_axis_direct_tx_tlast = s_axis_direct_tx_tlast;
assign m_axis_direct_tx_tuser = s_axis_direct_tx_tuser;

assign m_axis_direct_tx_ptp_ts = s_axis_direct_tx_ptp_ts;
assign m_axis_direct_tx_ptp_ts_tag = s_axis_direct_tx_ptp_ts_tag;
assign m_axis_direct_tx_ptp_ts_valid = s_axis_direct_tx_ptp_ts_valid;
assign s_axis_direct_tx_ptp_ts_ready = m_axis_direct_tx_ptp_ts_ready;

assign m_axis_direct_rx_tdata = s_axis_direct_rx_tdata;
assign m_axis_direct_rx_tkeep = s_axis_direct_rx_tkeep;
assign m_axis_direct_rx_tvalid = s_axis_direct_rx_tvalid;
assign s_axis_direct_rx_tready = m_axis_direct_rx_tready;
assign m_axis_direct_rx_tlast = s_axis_direct_rx_tlast;
assign m_axis_direct_rx_tuser = s_axis_direct_rx_tuser;

assign m_axis_if_tx_tdata = s_axis_if_tx_tdata;
assign m_axis_if_tx_tkeep = s_axis_if_tx_tkeep;
assign m_axis_if_tx_tvalid = s_axis_if_tx_tvalid;
assign s_axis_if_tx_tready = m_axis_if_tx_tready;
assign m_axis_if_tx_tlast = s_axis_if_tx_tlast;
assign m_axis_if_tx_tuser = s_axis_if_tx_tuser;

assign m_axis_if_tx_ptp_ts = s_axis_if_tx_ptp_ts;
assign m_axis_if_tx_ptp_ts_tag = s_axis_if_tx_ptp_ts_tag;
assign m_axis_if_tx_ptp_ts_valid = s_axis_if_tx_ptp_ts_valid;
assign s_axis_if_tx_ptp_ts_ready = m_axis_if_tx_ptp_ts_ready;

assign m_axis_if_rx_tdata = s_axis_if_rx_tdata;
assign m_axis_if_rx_tkeep = s_axis_if_rx_tkeep;
assign m_axis_if_rx_tvalid = s_axis_if_rx_tvalid;
assign s_axis_if_rx_tready = m_axis_if_rx_tready;
assign m_axis_if_rx_tlast = s_axis_if_rx_tlast;
assign m_axis_if_rx_tuser = s_axis_if_rx_tuser;

// ---------------------------------------------------------------------------------------------
// Tie-offs: no NIC control requests, no DMA, no statistics.

assign m_axil_ctrl_awaddr = {AXIL_CTRL_ADDR_WIDTH{1'b0}};
assign m_axil_ctrl_awprot = 3'd0;
assign m_axil_ctrl_awvalid = 1'b0;
assign m_axil_ctrl_wdata = {AXIL_CTRL_DATA_WIDTH{1'b0}};
assign m_axil_ctrl_wstrb = {AXIL_CTRL_STRB_WIDTH{1'b0}};
assign m_axil_ctrl_wvalid = 1'b0;
assign m_axil_ctrl_bready = 1'b1;
assign m_axil_ctrl_araddr = {AXIL_CTRL_ADDR_WIDTH{1'b0}};
assign m_axil_ctrl_arprot = 3'd0;
assign m_axil_ctrl_arvalid = 1'b0;
assign m_axil_ctrl_rready = 1'b1;

assign m_axis_ctrl_dma_read_desc_dma_addr = {DMA_ADDR_WIDTH{1'b0}};
assign m_axis_ctrl_dma_read_desc_ram_sel = {RAM_SEL_WIDTH{1'b0}};
assign m_axis_ctrl_dma_read_desc_ram_addr = {RAM_ADDR_WIDTH{1'b0}};
assign m_axis_ctrl_dma_read_desc_len = {DMA_LEN_WIDTH{1'b0}};
assign m_axis_ctrl_dma_read_desc_tag = {DMA_TAG_WIDTH{1'b0}};
assign m_axis_ctrl_dma_read_desc_valid = 1'b0;
assign m_axis_ctrl_dma_write_desc_dma_addr = {DMA_ADDR_WIDTH{1'b0}};
assign m_axis_ctrl_dma_write_desc_ram_sel = {RAM_SEL_WIDTH{1'b0}};
assign m_axis_ctrl_dma_write_desc_ram_addr = {RAM_ADDR_WIDTH{1'b0}};
assign m_axis_ctrl_dma_write_desc_len = {DMA_LEN_WIDTH{1'b0}};
assign m_axis_ctrl_dma_write_desc_tag = {DMA_TAG_WIDTH{1'b0}};
assign m_axis_ctrl_dma_write_desc_valid = 1'b0;

assign m_axis_data_dma_read_desc_dma_addr = {DMA_ADDR_WIDTH{1'b0}};
assign m_axis_data_dma_read_desc_ram_sel = {RAM_SEL_WIDTH{1'b0}};
assign m_axis_data_dma_read_desc_ram_addr = {RAM_ADDR_WIDTH{1'b0}};
assign m_axis_data_dma_read_desc_len = {DMA_LEN_WIDTH{1'b0}};
assign m_axis_data_dma_read_desc_tag = {DMA_TAG_WIDTH{1'b0}};
assign m_axis_data_dma_read_desc_valid = 1'b0;
assign m_axis_data_dma_write_desc_dma_addr = {DMA_ADDR_WIDTH{1'b0}};
assign m_axis_data_dma_write_desc_ram_sel = {RAM_SEL_WIDTH{1'b0}};
assign m_axis_data_dma_write_desc_ram_addr = {RAM_ADDR_WIDTH{1'b0}};
assign m_axis_data_dma_write_desc_len = {DMA_LEN_WIDTH{1'b0}};
assign m_axis_data_dma_write_desc_tag = {DMA_TAG_WIDTH{1'b0}};
assign m_axis_data_dma_write_desc_valid = 1'b0;

// DMA RAM: every command accepted at once, reads answered with zeros (as the template does).
assign ctrl_dma_ram_wr_cmd_ready = {RAM_SEG_COUNT{1'b1}};
assign ctrl_dma_ram_wr_done = ctrl_dma_ram_wr_cmd_valid;
assign ctrl_dma_ram_rd_cmd_ready = ctrl_dma_ram_rd_resp_ready;
assign ctrl_dma_ram_rd_resp_data = {RAM_SEG_COUNT*RAM_SEG_DATA_WIDTH{1'b0}};
assign ctrl_dma_ram_rd_resp_valid = ctrl_dma_ram_rd_cmd_valid;

assign data_dma_ram_wr_cmd_ready = {RAM_SEG_COUNT{1'b1}};
assign data_dma_ram_wr_done = data_dma_ram_wr_cmd_valid;
assign data_dma_ram_rd_cmd_ready = data_dma_ram_rd_resp_ready;
assign data_dma_ram_rd_resp_data = {RAM_SEG_COUNT*RAM_SEG_DATA_WIDTH{1'b0}};
assign data_dma_ram_rd_resp_valid = data_dma_ram_rd_cmd_valid;

assign m_axis_stat_tdata = {STAT_INC_WIDTH{1'b0}};
assign m_axis_stat_tid = {STAT_ID_WIDTH{1'b0}};
assign m_axis_stat_tvalid = 1'b0;

// Inputs unused on purpose (see the header); the name exempts this wire from UNUSEDSIGNAL.
wire unused_inputs = &{1'b0,
    s_axil_app_ctrl_awaddr, s_axil_app_ctrl_araddr, s_axil_app_ctrl_awprot, s_axil_app_ctrl_arprot,
    s_axis_sync_rx_tuser[AXIS_SYNC_RX_USER_WIDTH-1:0], s_axis_sync_tx_tuser[AXIS_SYNC_TX_USER_WIDTH-1:0],
    m_axil_ctrl_awready, m_axil_ctrl_wready, m_axil_ctrl_bresp, m_axil_ctrl_bvalid,
    m_axil_ctrl_arready, m_axil_ctrl_rdata, m_axil_ctrl_rresp, m_axil_ctrl_rvalid,
    m_axis_ctrl_dma_read_desc_ready, m_axis_ctrl_dma_write_desc_ready,
    m_axis_data_dma_read_desc_ready, m_axis_data_dma_write_desc_ready,
    s_axis_ctrl_dma_read_desc_status_tag, s_axis_ctrl_dma_read_desc_status_error,
    s_axis_ctrl_dma_read_desc_status_valid,
    s_axis_ctrl_dma_write_desc_status_tag, s_axis_ctrl_dma_write_desc_status_error,
    s_axis_ctrl_dma_write_desc_status_valid,
    s_axis_data_dma_read_desc_status_tag, s_axis_data_dma_read_desc_status_error,
    s_axis_data_dma_read_desc_status_valid,
    s_axis_data_dma_write_desc_status_tag, s_axis_data_dma_write_desc_status_error,
    s_axis_data_dma_write_desc_status_valid,
    ctrl_dma_ram_wr_cmd_sel, ctrl_dma_ram_wr_cmd_be, ctrl_dma_ram_wr_cmd_addr, ctrl_dma_ram_wr_cmd_data,
    ctrl_dma_ram_rd_cmd_sel, ctrl_dma_ram_rd_cmd_addr,
    data_dma_ram_wr_cmd_sel, data_dma_ram_wr_cmd_be, data_dma_ram_wr_cmd_addr, data_dma_ram_wr_cmd_data,
    data_dma_ram_rd_cmd_sel, data_dma_ram_rd_cmd_addr,
    ptp_sample_clk, ptp_pps, ptp_ts_96, ptp_ts_step, ptp_perout_locked, ptp_perout_error, ptp_perout_pulse,
    direct_tx_clk, direct_tx_rst, direct_rx_clk, direct_rx_rst,
    m_axis_stat_tready};

endmodule

`resetall
