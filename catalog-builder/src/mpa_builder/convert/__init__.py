"""One module per input kind; each turns source files into cloud-native files plus facts for STAC."""
