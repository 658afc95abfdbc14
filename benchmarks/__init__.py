"""Speed and quality benchmarks; each `bench_*.py` writes its measured results into docs/benchmarks.md."""
