# Mutants: ipvlan-no-dying (and the equivalent ipvlan-uninit-no-lower-lock).
# Deleting the lower veth0 marks ipvl2 dying and hands it to ns2's queue, then waits for it in
# netdev_run_todo(); a concurrent delete of ipvl2 from ns2 must see `dying` and leave it alone.
# ipvlan-no-dying: the second delete queues ipvl2 again (S4).
# Expected (faithful): ns1 and ns2 end empty; the upper's delete may fail with "Cannot find device".
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add ipvl2 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns1 link del veth0 &
ip -n ns2 link del ipvl2 &
wait
