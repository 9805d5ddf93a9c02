//! End-to-end tests of aggnic live in `tests/tests/`: the real `aggnic` binary, real UDP sockets on
//! loopback and the Verilator-simulated core. They arrive with the end-to-end issue; until then the
//! exactly-once property tests (`proto/tests/`) and the demo test (`host-cli/tests/`) cover the
//! protocol end to end against the reference model.
