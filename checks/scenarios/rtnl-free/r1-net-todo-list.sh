# rtnl-free R1: net_todo_list is one global list that only RTNL protects. Deleting veth0 in
# ns1 puts veth0 on it under ns1->rtnl_mutex while ns2's work puts veth1 there (or snapshots
# the list) under ns2->rtnl_mutex: no lock is common to both (S14).
#   rtnl-check check checks/scenarios/rtnl-free/r1-net-todo-list.sh --mode all
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0
