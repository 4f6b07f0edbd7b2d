"""Everything that speaks Asterisk: AMI, FastAGI, dialplan rendering and variable names."""
