# Hazard A6 (found by this model): rtnl_net_wq is create_workqueue(), per-CPU with
# max_active 1. Deleting veth0 hands veth1 to ns2's work; that work unregisters veth1, whose
# ipvlan upper lives in ns3, so ipvl3 is handed to ns3's work, queued on the same CPU behind
# ns2's. ns2's work then sleeps in netdev_run_todo() until veth1's last reference goes, and
# only ipvl3's ipvlan_uninit() (in ns3's work) puts it: the kworker hangs ("waiting for
# veth1 to become free"). Pre-series, all of it runs on the deleting thread and completes.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns3 link add ipvl3 link veth1 link-netns ns2 type ipvlan mode l2
ip -n ns1 link del veth0
