// SPDX-License-Identifier: GPL-2.0
/*
 * hv_vpci channel: the stand-in for the VMBus channel.  Two rings in
 * coherent DMA memory (guest->host "tx", host->guest "rx"), a doorbell
 * register, and one MSI for the host->guest direction.  Every host round
 * trip is hv_vpci_xfer(): a transaction slot, the packet on tx, the
 * doorbell, then a bounded wait that also drains rx itself.  Host messages
 * that are not completions go to the bus's ordered workqueue
 * (hv_vpci_inbound_work() in bus.c).
 */

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/string.h>

#include "hv_vpci.h"

static u32 hv_vpci_ring_put(struct hv_vpci_ring *ring, u32 off,
			    const void *src, u32 len)
{
	u32 first = min(len, ring->data_size - off);

	memcpy(ring->data + off, src, first);
	memcpy(ring->data, src + first, len - first);
	off += len;
	return off >= ring->data_size ? off - ring->data_size : off;
}

static u32 hv_vpci_ring_get(struct hv_vpci_ring *ring, u32 off, void *dst,
			    u32 len)
{
	u32 first = min(len, ring->data_size - off);

	memcpy(dst, ring->data + off, first);
	memcpy(dst + first, ring->data, len - first);
	off += len;
	return off >= ring->data_size ? off - ring->data_size : off;
}

/**
 * hv_vpci_tx_packet() - put one packet on the guest->host ring, ring the bell
 * @hbus:	the bus
 * @msg:	the vPCI message
 * @len:	its length in bytes
 * @flags:	HV_VPCI_PKT_FLAG_* for the descriptor
 * @trans_id:	transaction id (0 when no completion is requested)
 *
 * Safe in any context.  The device handles the doorbell synchronously, so a
 * completion may be in the host->guest ring when this returns.
 *
 * Return: 0, -EMSGSIZE, -ENOSPC (host does not consume) or -EIO (ring
 * indexes are corrupt).
 */
static int hv_vpci_tx_packet(struct hv_vpci_bus *hbus, const void *msg,
			     u32 len, u16 flags, u64 trans_id)
{
	static const u8 zeros[8];
	struct hv_vpci_ring *ring = &hbus->tx;
	struct hv_vpci_pkt_desc desc = {
		.type = HV_VPCI_PKT_DATA_INBAND,
		.offset8 = sizeof(desc) / 8,
		.flags = flags,
		.trans_id = trans_id,
	};
	u32 total = ALIGN(sizeof(desc) + len, 8);
	unsigned long irqflags;
	u32 w, r, space;
	int ret = 0;

	if (total > HV_VPCI_PKT_MAX_LEN)
		return -EMSGSIZE;
	desc.len8 = total / 8;

	spin_lock_irqsave(&hbus->tx_lock, irqflags);
	w = ring->hdr->write_index;
	r = READ_ONCE(ring->hdr->read_index);
	if (w >= ring->data_size || r >= ring->data_size || ((w | r) & 7)) {
		ret = -EIO;
		goto out;
	}
	space = r > w ? r - w : ring->data_size - w + r;
	if (space <= total) {	/* never fill completely: keep 8 bytes */
		ret = -ENOSPC;
		goto out;
	}
	w = hv_vpci_ring_put(ring, w, &desc, sizeof(desc));
	w = hv_vpci_ring_put(ring, w, msg, len);
	w = hv_vpci_ring_put(ring, w, zeros, total - sizeof(desc) - len);
	/* The packet must be in memory before the host can see the index. */
	dma_wmb();
	WRITE_ONCE(ring->hdr->write_index, w);
	/* writel() orders the index store before the doorbell. */
	writel(1, hbus->regs + HV_VPCI_REG_DOORBELL);
out:
	spin_unlock_irqrestore(&hbus->tx_lock, irqflags);
	return ret;
}

static void hv_vpci_complete(struct hv_vpci_bus *hbus,
			     const struct hv_vpci_pkt_desc *desc,
			     const u8 *payload, u32 len)
{
	unsigned int idx = desc->trans_id & 0xff;
	struct hv_vpci_request *req;
	unsigned long flags;

	spin_lock_irqsave(&hbus->req_lock, flags);
	req = idx < HV_VPCI_MAX_REQUESTS ? &hbus->reqs[idx] : NULL;
	if (!req || !desc->trans_id || req->trans_id != desc->trans_id) {
		spin_unlock_irqrestore(&hbus->req_lock, flags);
		dev_warn_ratelimited(&hbus->pdev->dev,
				     "completion for unknown transaction %#llx dropped (late reply after a timeout?)\n",
				     desc->trans_id);
		return;
	}
	req->resp_len = min_t(u32, len, sizeof(req->resp));
	memcpy(req->resp, payload, req->resp_len);
	req->done = true;
	complete(&req->comp);
	spin_unlock_irqrestore(&hbus->req_lock, flags);
}

static void hv_vpci_queue_inbound(struct hv_vpci_bus *hbus, const u8 *payload,
				  u32 len)
{
	struct hv_vpci_inbound *in;

	in = kmalloc(struct_size(in, msg, len), GFP_ATOMIC);
	if (!in) {
		dev_err_ratelimited(&hbus->pdev->dev,
				    "out of memory: host message %#x lost\n",
				    get_unaligned_le32(payload));
		return;
	}
	INIT_WORK(&in->work, hv_vpci_inbound_work);
	in->hbus = hbus;
	in->len = len;
	memcpy(in->msg, payload, len);
	queue_work(hbus->wq, &in->work);
}

static void hv_vpci_dispatch(struct hv_vpci_bus *hbus, const u8 *pkt, u32 total)
{
	const struct hv_vpci_pkt_desc *desc = (const void *)pkt;
	u32 off = desc->offset8 * 8;

	switch (desc->type) {
	case HV_VPCI_PKT_COMP:
		hv_vpci_complete(hbus, desc, pkt + off, total - off);
		break;
	case HV_VPCI_PKT_DATA_INBAND:
		if (total - off < sizeof(struct hv_vpci_msg))
			break;	/* too short to carry a type: ignored */
		hv_vpci_queue_inbound(hbus, pkt + off, total - off);
		break;
	default:
		dev_warn_ratelimited(&hbus->pdev->dev,
				     "unknown packet type %#x from host dropped\n",
				     desc->type);
	}
}

/**
 * hv_vpci_process_rx() - consume every packet in the host->guest ring
 * @hbus:	the bus
 *
 * Called from the transport MSI handler and from every waiting path, in
 * any context.  Completions wake their request; host messages are copied
 * and queued for the ordered workqueue.
 */
static void hv_vpci_process_rx(struct hv_vpci_bus *hbus)
{
	struct hv_vpci_ring *ring = &hbus->rx;
	struct hv_vpci_pkt_desc desc;
	unsigned long flags;
	u32 r, w, used, total;

	spin_lock_irqsave(&hbus->rx_lock, flags);
	for (;;) {
		memset(&desc, 0, sizeof(desc));
		r = ring->hdr->read_index;
		w = READ_ONCE(ring->hdr->write_index);
		if (r == w)
			break;
		if (w >= ring->data_size || r >= ring->data_size ||
		    ((w | r) & 7)) {
			dev_err_ratelimited(&hbus->pdev->dev,
					    "host->guest ring indexes corrupt (read %#x write %#x); packets dropped\n",
					    r, w);
			break;
		}
		used = w > r ? w - r : ring->data_size - r + w;
		/* Read the packet only after seeing the index that covers it. */
		dma_rmb();
		if (used < sizeof(desc))
			goto malformed;
		hv_vpci_ring_get(ring, r, &desc, sizeof(desc));
		total = desc.len8 * 8;
		if (total < sizeof(desc) || total > used ||
		    total > HV_VPCI_PKT_MAX_LEN ||
		    desc.offset8 * 8 < sizeof(desc) ||
		    desc.offset8 * 8 > total)
			goto malformed;
		r = hv_vpci_ring_get(ring, r, hbus->rx_buf, total);
		/* Finish reading before the host may reuse the space. */
		mb();
		WRITE_ONCE(ring->hdr->read_index, r);
		hv_vpci_dispatch(hbus, hbus->rx_buf, total);
		continue;
malformed:
		dev_err_ratelimited(&hbus->pdev->dev,
				    "malformed packet from host (type %#x len8 %u offset8 %u, %u bytes queued); ring skipped\n",
				    desc.type, desc.len8, desc.offset8, used);
		mb();
		WRITE_ONCE(ring->hdr->read_index, w);
	}
	spin_unlock_irqrestore(&hbus->rx_lock, flags);
}

static irqreturn_t hv_vpci_isr(int irq, void *data)
{
	hv_vpci_process_rx(data);
	return IRQ_HANDLED;
}

static int hv_vpci_request_alloc(struct hv_vpci_bus *hbus)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&hbus->req_lock, flags);
	for (i = 0; i < HV_VPCI_MAX_REQUESTS; i++) {
		struct hv_vpci_request *req = &hbus->reqs[i];

		if (req->trans_id)
			continue;
		if (++hbus->req_gen == 0)
			hbus->req_gen = 1;
		req->trans_id = ((u64)hbus->req_gen << 8) | i;
		req->done = false;
		req->resp_len = 0;
		reinit_completion(&req->comp);
		break;
	}
	spin_unlock_irqrestore(&hbus->req_lock, flags);
	return i < HV_VPCI_MAX_REQUESTS ? i : -EBUSY;
}

static bool hv_vpci_request_done(struct hv_vpci_bus *hbus, int idx)
{
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&hbus->req_lock, flags);
	done = hbus->reqs[idx].done;
	spin_unlock_irqrestore(&hbus->req_lock, flags);
	return done;
}

/**
 * hv_vpci_xfer() - one host round trip: send, wait for the completion
 * @hbus:	the bus
 * @msg:	request
 * @len:	request length
 * @resp:	buffer for the completion payload (starts with the s32 status)
 * @resp_size:	size of @resp
 * @atomic:	poll with a bounded busy loop instead of sleeping (MSI
 *		compose/unmask run under the irq descriptor lock)
 *
 * Both variants also drain the ring themselves, so a lost transport MSI
 * costs time, not the reply.
 *
 * Return: number of payload bytes received (copied up to @resp_size), or
 * -ETIMEDOUT, -EBUSY (too many requests in flight), or an error from
 * hv_vpci_tx_packet().
 */
int hv_vpci_xfer(struct hv_vpci_bus *hbus, const void *msg, u32 len,
		 void *resp, u32 resp_size, bool atomic)
{
	struct hv_vpci_request *req;
	unsigned long flags, deadline;
	unsigned int polls = 0;
	bool done = false;
	int idx, ret;

	idx = hv_vpci_request_alloc(hbus);
	if (idx < 0)
		return idx;
	req = &hbus->reqs[idx];

	ret = hv_vpci_tx_packet(hbus, msg, len,
				HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED,
				req->trans_id);
	if (ret)
		goto release;

	deadline = jiffies + msecs_to_jiffies(HV_VPCI_TIMEOUT_MS);
	for (;;) {
		hv_vpci_process_rx(hbus);
		done = hv_vpci_request_done(hbus, idx);
		if (done)
			break;
		if (atomic) {
			if (++polls > HV_VPCI_POLL_TIMEOUT_US / HV_VPCI_POLL_STEP_US)
				break;
			udelay(HV_VPCI_POLL_STEP_US);
		} else {
			if (time_after(jiffies, deadline))
				break;
			wait_for_completion_timeout(&req->comp,
						    msecs_to_jiffies(100));
		}
	}
	ret = done ? 0 : -ETIMEDOUT;

release:
	spin_lock_irqsave(&hbus->req_lock, flags);
	if (!ret) {
		memcpy(resp, req->resp, min(resp_size, req->resp_len));
		ret = req->resp_len;
	}
	req->trans_id = 0;
	spin_unlock_irqrestore(&hbus->req_lock, flags);
	return ret;
}

/**
 * hv_vpci_call() - a host round trip whose reply status must be success
 * @hbus:	the bus
 * @what:	name of the step, for messages
 * @msg:	request
 * @len:	request length
 * @resp:	completion payload buffer; its first field is the s32 status
 * @resp_size:	size of @resp; a shorter reply is a protocol error
 * @atomic:	see hv_vpci_xfer()
 *
 * Return: 0, -EPROTO if the host answered a failure status or a short
 * reply, or the transport error.
 */
int hv_vpci_call(struct hv_vpci_bus *hbus, const char *what,
		 const void *msg, u32 len, void *resp, u32 resp_size,
		 bool atomic)
{
	struct device *dev = &hbus->pdev->dev;
	s32 status;
	int ret;

	ret = hv_vpci_xfer(hbus, msg, len, resp, resp_size, atomic);
	if (ret < 0) {
		dev_err_ratelimited(dev,
				    "%s: no reply from host (%d; transport status %#x, guest errors %u)\n",
				    what, ret,
				    readl(hbus->regs + HV_VPCI_REG_STATUS),
				    readl(hbus->regs + HV_VPCI_REG_ERRORS));
		return ret;
	}
	if (ret < sizeof(s32)) {
		dev_err_ratelimited(dev, "%s: reply of %d bytes has no status\n",
				    what, ret);
		return -EPROTO;
	}
	status = ((struct hv_vpci_response *)resp)->status;
	/* Not an error of the channel: the caller decides what it means. */
	if (status == (s32)HV_VPCI_STATUS_NOT_SUPPORTED)
		return -EOPNOTSUPP;
	if (status < 0) {
		dev_err_ratelimited(dev, "%s: host answered status %#x\n",
				    what, status);
		return -EPROTO;
	}
	if (ret < resp_size) {
		dev_err_ratelimited(dev, "%s: reply of %d bytes, need %u\n",
				    what, ret, resp_size);
		return -EPROTO;
	}
	return 0;
}

/* Send a request that asks for no completion. */
int hv_vpci_post(struct hv_vpci_bus *hbus, const char *what,
		 const void *msg, u32 len)
{
	int ret = hv_vpci_tx_packet(hbus, msg, len, 0, 0);

	if (ret)
		dev_err_ratelimited(&hbus->pdev->dev,
				    "%s: cannot send (%d; transport status %#x)\n",
				    what, ret,
				    readl(hbus->regs + HV_VPCI_REG_STATUS));
	return ret;
}

static int hv_vpci_ring_alloc(struct hv_vpci_bus *hbus,
			      struct hv_vpci_ring *ring)
{
	void *mem;

	mem = dma_alloc_coherent(&hbus->pdev->dev, HV_VPCI_RING_SIZE,
				 &ring->dma, GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	ring->hdr = mem;
	ring->data = mem + HV_VPCI_RING_HDR_SIZE;
	ring->data_size = HV_VPCI_RING_SIZE - HV_VPCI_RING_HDR_SIZE;
	return 0;
}

static void hv_vpci_ring_free(struct hv_vpci_bus *hbus,
			      struct hv_vpci_ring *ring)
{
	if (ring->hdr)
		dma_free_coherent(&hbus->pdev->dev, HV_VPCI_RING_SIZE,
				  ring->hdr, ring->dma);
	ring->hdr = NULL;
}

/**
 * hv_vpci_transport_start() - rings, MSI, then CTRL.ENABLE
 * @hbus:	the bus
 *
 * Return: 0 or -errno; on failure everything set up here is undone.
 */
int hv_vpci_transport_start(struct hv_vpci_bus *hbus)
{
	struct device *dev = &hbus->pdev->dev;
	u32 status;
	int ret;

	hbus->rx_buf = kzalloc(HV_VPCI_PKT_MAX_LEN, GFP_KERNEL);
	if (!hbus->rx_buf)
		return -ENOMEM;
	ret = hv_vpci_ring_alloc(hbus, &hbus->tx);
	if (ret)
		goto err_free;
	ret = hv_vpci_ring_alloc(hbus, &hbus->rx);
	if (ret)
		goto err_free;

	ret = pci_alloc_irq_vectors(hbus->pdev, 1, HV_VPCI_MSI_VECTORS,
				    PCI_IRQ_MSI | PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(dev, "no MSI for the host->guest ring (%d)\n", ret);
		goto err_free;
	}
	hbus->irq = pci_irq_vector(hbus->pdev, 0);
	ret = request_irq(hbus->irq, hv_vpci_isr, 0, "hv_vpci", hbus);
	if (ret) {
		dev_err(dev, "cannot request irq %d (%d)\n", hbus->irq, ret);
		goto err_vectors;
	}

	writel(lower_32_bits(hbus->tx.dma), hbus->regs + HV_VPCI_REG_GH_RING_LO);
	writel(upper_32_bits(hbus->tx.dma), hbus->regs + HV_VPCI_REG_GH_RING_HI);
	writel(lower_32_bits(hbus->rx.dma), hbus->regs + HV_VPCI_REG_HG_RING_LO);
	writel(upper_32_bits(hbus->rx.dma), hbus->regs + HV_VPCI_REG_HG_RING_HI);
	writel(HV_VPCI_RING_SIZE, hbus->regs + HV_VPCI_REG_RING_SIZE);
	writel(HV_VPCI_CTRL_ENABLE, hbus->regs + HV_VPCI_REG_CTRL);
	status = readl(hbus->regs + HV_VPCI_REG_STATUS);
	if (!(status & HV_VPCI_STATUS_ENABLED) ||
	    (status & HV_VPCI_STATUS_BROKEN)) {
		dev_err(dev,
			"transport did not enable (status %#x, guest errors %u); rings at %pad/%pad size %#x\n",
			status, readl(hbus->regs + HV_VPCI_REG_ERRORS),
			&hbus->tx.dma, &hbus->rx.dma, HV_VPCI_RING_SIZE);
		ret = -EIO;
		goto err_disable;
	}
	return 0;

err_disable:
	writel(0, hbus->regs + HV_VPCI_REG_CTRL);
	free_irq(hbus->irq, hbus);
err_vectors:
	pci_free_irq_vectors(hbus->pdev);
err_free:
	hv_vpci_ring_free(hbus, &hbus->rx);
	hv_vpci_ring_free(hbus, &hbus->tx);
	kfree(hbus->rx_buf);
	return ret;
}

void hv_vpci_transport_stop(struct hv_vpci_bus *hbus)
{
	/* Clearing ENABLE resets the channel: the host forgets the rings. */
	writel(0, hbus->regs + HV_VPCI_REG_CTRL);
	free_irq(hbus->irq, hbus);
	pci_free_irq_vectors(hbus->pdev);
	hv_vpci_ring_free(hbus, &hbus->rx);
	hv_vpci_ring_free(hbus, &hbus->tx);
	kfree(hbus->rx_buf);
}
