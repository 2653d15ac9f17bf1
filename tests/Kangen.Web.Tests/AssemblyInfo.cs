// Each test class starts a platform, a card agent and a Chromium of its own; run them one at a time so that a
// browser test never waits behind five others on a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
