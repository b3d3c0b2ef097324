"""Qt-free domain of QuantDesk: the CLI, the GUI, the simulator and the tests all drive it."""
