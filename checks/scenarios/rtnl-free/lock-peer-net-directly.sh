# The design the cover letter rules out (mutant lock-peer-net-directly): veth_dellink() takes
# the peer's per-netns lock while holding its own. Two concurrent deletions nest ns1 -> ns2 and
# ns2 -> ns1. Under the global RTNL that is a lock-order violation no execution deadlocks on;
# without it (rtnl-free) the same code deadlocks:
#   rtnl-check check checks/scenarios/rtnl-free/lock-peer-net-directly.sh --explorer loom \
#       --mode all --mutant lock-peer-net-directly --defer-lock-order --variant convert-net-todo-list
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns2 link add veth2 type veth peer name veth3 netns ns1
ip -n ns1 link del veth0 &
ip -n ns2 link del veth2 &
wait
