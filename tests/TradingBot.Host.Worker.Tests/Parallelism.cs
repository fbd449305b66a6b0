// The process-level fixtures spend most of their time waiting for worker processes to reach a state; two fixtures at a
// time keep CI's run within its budget. Tests inside a fixture share its folder and settings and still run one by one.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(2)]
