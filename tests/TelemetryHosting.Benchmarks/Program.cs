using BenchmarkDotNet.Running;

// With no arguments every benchmark runs; any BenchmarkDotNet argument (--filter, --job, --list) is passed on.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
