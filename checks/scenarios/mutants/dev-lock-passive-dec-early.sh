# Mutant: dev-lock-passive-dec-early.
# Needs --rebroadcasts 1 or 2 (the default is 1).
# No ip(8) command reaches rtnl_net_dev_lock(): unregister_netdev() is a driver's removal of its
# own device. The driver probe of `rtnl-check mutants` (rtnl_checks::mutants::probe) runs this
# script, registers a device of its own, nic0, in ns2 as soon as ns2 exists (register_netdev()),
# and removes it with unregister_netdev(); once the driver holds ns2's lock, it starts the last
# background command, the deletion of ns2. dst0 keeps nic0 waiting in the driver's
# netdev_run_todo() until the re-broadcast. As a plain scenario there is no nic0 (the hold
# fails, ENODEV) and it is just the deletion.
# dev-lock-passive-dec-early: the driver drops its passive reference on ns2 before
# rtnl_net_unlock(), so cleanup_net() can free ns2 while nic0 is still in the driver's
# netdev_run_todo() (S6), whose re-broadcast then locks the freed net (S1).
# Expected (faithful): no namespace left.
ip netns add ns2
netdev_hold -n ns2 nic0 dst0 until rebroadcast
ip netns del ns2 &
wait
