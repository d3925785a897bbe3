"""The parts the inbox watcher (pipeline.watch) is made of, in the order an input meets them:

    discovery   which files are in the inbox: watchdog's events, and listings for those missed
    stability   is a file finished being written: size and time, leases, close events, grace periods
    claim       the input moved into this process's private ``.processing`` folder, looked at again there
    processing  inputs in hand, in worker processes within a budget: lanes, stepping aside
    outcome     what became of an input: moved to rejected/ or duplicates/ with a note, the log, a Result

``pipeline.watch.Watcher`` puts them together; its loop is the only place they meet.
"""
