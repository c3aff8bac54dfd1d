"""Real SPARQL engines the interoperability tests start on 127.0.0.1 and stop afterwards."""
