# rtnl-free R6: the module unload (rtnl_link_unregister(), patch 2) is unconverted. It kills
# every device of its kind under RTNL alone (S5 without RTNL in rtnl_net_lock()), and its wait
# for dev_unreg_count to reach 0 is made under RTNL, which the converted deleter no longer
# takes: even unregistering each net under its own lock and flushing rtnl_net_wq (the
# probe-a7-patch7-kill-links-per-net and fix-a7-unload-flush variants), the unload can return
# while the deleter still frees veth0 and veth1 (S17). Series passes.
#   rtnl-check check checks/scenarios/rtnl-free/r6-module-unload.sh --mode all \
#       --variant convert-net-todo-list --variant convert-adj-list-instance-lock
ip netns add ns1
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link del veth0 &
modprobe -r veth &
wait
