# Mutant: dev-net-toctou.
# No ip(8) command reaches rtnl_net_dev_lock(): its callers are drivers acting without RTNL
# (unregister_netdev(), (un)register_netdevice_notifier_dev_net()). The driver probe of
# `rtnl-check mutants` (rtnl_checks::mutants::probe) runs this script and races its last
# background command, the move of veth1 from ns2 to ns3, against a driver thread calling
# unregister_netdevice_notifier_dev_net(veth1). As a plain scenario it is just the move.
# dev-net-toctou: the driver reads dev_net(veth1) == ns2, sleeps on ns2's lock while the move
# runs, and edits ns3's notifier chain holding ns2's lock (S5).
# Expected (faithful): veth0 in ns1, veth1 in ns3.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns2 link set veth1 netns ns3 &
wait
