"""The scale benchmark: the pages at the kata's size (millions of customers and tickets) against
the same pages on demo-sized data, with every query plan checked. `python -m bench.scale --help`."""
