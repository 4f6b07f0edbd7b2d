"""AMI: parsing bytes into messages, building actions, the connection, and the events we read."""
