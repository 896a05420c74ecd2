# Hazard A6, against its mitigation: two chains like the A6 scenario's, torn down at once, beat
# an rtnl_net_wq of two active items per CPU. Destroying ns3 hands veth1 to ns2's work and veth3
# to ns4's; each work waits in netdev_run_todo() for an ipvlan upper (ipvl0 in ns1 on veth1,
# ipvl1 in ns2 on veth3) whose own work (ns1's, and ns2's again) is queued behind the two
# waiters. Found by cargo-fuzz (fuzz/regressions/explore_schedule/), reduced by hand.
#   rtnl-check check checks/scenarios/findings/a6-two-chains-beat-two-workers.sh --mode series \
#       --explorer pct --wq-max-active 2       # hangs (L3); --wq-max-active 3 passes
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip netns add ns4
ip -n ns3 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link add ipvl0 link veth1 link-netns ns2 type ipvlan mode l2
ip -n ns3 link add veth2 type veth peer name veth3 netns ns4
ip -n ns2 link add ipvl1 link veth3 link-netns ns4 type ipvlan mode l2
ip netns del ns3
