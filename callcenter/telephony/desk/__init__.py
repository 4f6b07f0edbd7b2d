"""The desk on the live line: three-way calls, transfers, consultations and listening in,
carried out on the requests the desk stored."""
